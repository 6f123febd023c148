"""Pages of the review workflow, each the twin of an endpoint in reviews/api/review_views.py
and calling the same service in ``reviews.workflow``: the queue (with "Review next" and
bulk accept), the review page, second reviews and re-grades, disputes, the audit log and
the review policy. The services check permissions themselves; these views load objects
through the permission gate first so outsiders get a 404 and wrong roles a 403."""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from annotation_platform.errors import DomainError
from annotation_platform.forms import add_domain_error
from annotation_platform.ids import id_or_none
from reviews import permissions
from reviews.check_labels import check_choices
from reviews.forms import (
    BulkAcceptForm,
    DisputeForm,
    RegradeForm,
    ReviewForm,
    ReviewPolicyForm,
)
from reviews.models import Dispute, DisputeStatus, Review, Risk
from reviews.workflow import (
    FILTER_PARAMS,
    NO_FILTERS,
    POLICY_FIELDS,
    QueueFilters,
    audit_candidates,
    author_alias,
    dispute_file,
    dispute_resolve,
    judging_context,
    log_actors,
    person_as_dict,
    project_disputes,
    queue_filters,
    queue_trainers,
    regrade_candidates,
    review_context,
    review_lease,
    review_log,
    review_next,
    review_policy_for,
    review_policy_update,
    review_queue,
    review_regrade,
    review_release,
    review_second,
    review_submit,
    review_submit_and_next,
    reviewer_disagreement,
    reviews_bulk_accept,
    revisions_diff,
    submission_outcome,
)
from reviews.workflow.queue import RISK_FILTERS
from tasks import lookups
from tasks.models import Project, Submission, SubmissionStatus
from tasks.presentation import answer_rows, display_view, remote_media_for
from tasks.services.hooks import ProjectLink
from tasks.views.work import render_submission_detail

QUEUE_PAGE_SIZE = 50
LOG_PAGE_SIZE = 100


def _reviewer_project(request: HttpRequest, pk: int) -> Project:
    project = lookups.visible_project(request.user, pk)
    if not permissions.can_view_review_queue(request.user, project):
        raise PermissionDenied(gettext("Only QA leads and admins review this project's work."))
    return project


def _reviewable(request: HttpRequest, pk: int) -> Submission:
    submission = lookups.visible_submission(request.user, pk)
    if not permissions.can_open_review(request.user, submission):
        raise PermissionDenied(
            gettext("Nobody reviews their own work; only QA leads and admins review.")
        )
    return submission


def _visible_review(request: HttpRequest, pk: int) -> Review:
    return get_object_or_404(
        Review.objects.visible_to(request.user).select_related(
            "submission__task__project", "submission__author", "revision", "template", "reviewer"
        ),
        pk=pk,
    )


# --- presentation -------------------------------------------------------------------------


def _score_text(review: Review) -> str:
    return gettext("no score") if review.score_value is None else f"{review.score_value:.2f}"


def _lease_state(queue: dict[str, Any] | None, user) -> dict[str, Any]:
    now = timezone.now()
    holder = queue and queue["leased_by"]
    live = bool(holder and queue["lease_expires_at"] and queue["lease_expires_at"] > now)
    return {
        "mine": live and holder == user.username,
        "other": holder if live and holder != user.username else None,
        "expires_at": queue["lease_expires_at"] if live else None,
        "queued": bool(queue and queue["status"] == "queued"),
    }


def _review_page_context(request: HttpRequest, submission: Submission) -> dict[str, Any]:
    """What every page that judges a submission shows (review, second review, dispute)."""
    context = review_context(submission=submission, reviewer=request.user)
    definition = context["template"]["definition"]
    diff = None
    if submission.revision > 1:
        diff = revisions_diff(
            submission=submission, before=submission.revision - 1, after=submission.revision
        )
    return {
        "submission": submission,
        "project": submission.task.project,
        "ctx": context,
        "blocks": display_view(
            definition,
            submission.task.data,
            media=remote_media_for(request, submission.task.project),
        ),
        "answer": answer_rows(definition, context["submission"]["answer"]),
        "others": [
            {
                **other,
                "rows": answer_rows(definition, other["answer"]),
                "status_label": _status_label(other["status"]),
            }
            for other in context["other_answers"]
        ],
        "diff": diff,
        "lease": _lease_state(context["queue"], request.user),
        "scoring": _scoring(submission.task.project, context["rubric"]),
    }


def _status_label(status: str) -> str:
    """A submission status as people read it, in their language (the context keeps codes)."""
    return str(SubmissionStatus(status).label) if status in SubmissionStatus.values else status


def _scoring(project: Project, rubric: dict[str, Any] | None) -> dict[str, Any]:
    """What static/js/review.js needs to show a live score while the reviewer judges."""
    policy = review_policy_for(project)
    nodes = (rubric or {}).get("content", {}).get("criteria") or []
    return {
        "method": policy.scoring_method,
        "missing": policy.missing_judgments,
        # The tree method differs from healthbench only with sections; the page leaves
        # that case to the server's score, recorded with the review.
        "live": policy.scoring_method != "tree"
        or not any(node.get("kind") == "section" for node in nodes),
    }


def _review_form(context: dict[str, Any], data=None, **kwargs: Any) -> ReviewForm:
    return ReviewForm(
        data,
        rubric=context["rubric"],
        rules=context["guideline_rules"],
        initial={"revision": context["submission"]["revision"]},
        **kwargs,
    )


# --- the queue ----------------------------------------------------------------------------


# "Waiting more than" choices the page offers (the API takes any number of hours or days).
WAITING_CHOICES = (
    ("1h", gettext_lazy("more than 1 hour")),
    ("1d", gettext_lazy("more than 1 day")),
    ("7d", gettext_lazy("more than 7 days")),
)
STATUS_CHOICES = (
    ("free", gettext_lazy("Free to take")),
    ("held", gettext_lazy("Held by a reviewer")),
)


def _filter_query(params) -> str:
    """The queue's filter parameters of ``params`` as a query string ("" when none)."""
    kept = [(name, params.get(name, "")) for name in FILTER_PARAMS if params.get(name, "")]
    return urlencode(kept)


def _queue_url(project_pk: int, params) -> str:
    """The queue page, with the filters of ``params`` (the reviewer's view of it kept)."""
    query = _filter_query(params)
    url = reverse("review-queue", args=[project_pk])
    return f"{url}?{query}" if query else url


def _request_filters(request: HttpRequest, project: Project) -> QueueFilters:
    return queue_filters(project=project, params=request.GET)


def _next_filters(request: HttpRequest, project: Project) -> QueueFilters:
    """The queue filters a decision's "next" honours; none when they no longer parse (the
    decision still counts, and the queue page names the bad filter)."""
    try:
        return _request_filters(request, project)
    except DomainError:
        return NO_FILTERS


def _filter_choices(project: Project) -> dict[str, Any]:
    policy = review_policy_for(project)
    trainers = [
        (key, key if policy.show_author_names else author_alias(project.pk, user_id))
        for key, user_id in queue_trainers(project=project)
    ]
    return {
        "checks": check_choices(),
        "trainers": trainers,
        "waiting": WAITING_CHOICES,
        "risks": [(code, Risk(value).label) for code, value in RISK_FILTERS.items()],
        "statuses": STATUS_CHOICES,
    }


def _render_queue(
    request: HttpRequest,
    project: Project,
    *,
    bulk_errors: dict[int, list[str]] | None = None,
    bulk_form: BulkAcceptForm | None = None,
    status: int = 200,
) -> HttpResponse:
    policy = review_policy_for(project)
    filter_errors: dict[str, list[str]] = {}
    try:
        filters = _request_filters(request, project)
    except DomainError as exc:
        filters, filter_errors, status = NO_FILTERS, exc.fields, exc.status_code
    items = review_queue(project=project, reviewer=request.user, filters=filters)
    if filter_errors:
        items = items.none()
    page = Paginator(items, QUEUE_PAGE_SIZE)
    page = page.get_page(request.GET.get("page"))
    now = timezone.now()
    selected = set(bulk_form.data.getlist("submissions")) if bulk_form is not None else set()
    rows = [
        {
            "item": item,
            "author": person_as_dict(policy, project.pk, item.submission.author),
            "risk": Risk(item.risk),
            "bulk": item.risk == Risk.CLEAN,
            "held_by": item.leased_by
            if item.leased_by_id and item.lease_expires_at and item.lease_expires_at > now
            else None,
            "checked": str(item.submission_id) in selected,
            "errors": (bulk_errors or {}).get(item.submission_id, []),
        }
        for item in page.object_list
    ]
    shown = {row["item"].submission_id for row in rows}
    query = _filter_query(request.GET)
    return render(
        request,
        "reviews/review_queue.html",
        {
            "project": project,
            "page": page,
            "rows": rows,
            "other_errors": {
                pk: errors for pk, errors in (bulk_errors or {}).items() if pk not in shown
            },
            "bulk_form": bulk_form or BulkAcceptForm(),
            "disagreement": reviewer_disagreement(project=project),
            "can_edit_policy": permissions.can_edit_review_policy(request.user, project),
            "filter": {name: request.GET.get(name, "") for name in FILTER_PARAMS},
            "filter_errors": filter_errors,
            "filtered": bool(filters) or bool(filter_errors),
            "filter_query": query,
            "choices": _filter_choices(project),
        },
        status=status,
    )


@login_required
def review_queue_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's review queue, risk first (twin of GET /api/v1/projects/{id}/review-queue)."""
    return _render_queue(request, _reviewer_project(request, pk))


@login_required
@require_POST
def review_next_page(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Review next": lease the next item and open it (twin of POST …/review-queue/next)."""
    project = _reviewer_project(request, pk)
    try:
        filters = _request_filters(request, project)
    except DomainError:
        # The queue page names each filter it does not understand.
        return redirect(_queue_url(project.pk, request.GET))
    item = review_next(project=project, reviewer=request.user, filters=filters)
    if item is None:
        messages.info(
            request,
            gettext("Nothing that matches these filters is waiting for your review.")
            if filters
            else gettext("Nothing is waiting for your review in this project."),
        )
        return redirect(_queue_url(project.pk, request.GET))
    # The filters ride along, so the decision brings the reviewer back to the same view.
    url = reverse("submission-review", args=[item.submission_id])
    query = _filter_query(request.GET)
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_POST
def review_bulk_accept_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept the selected clean items, all or nothing (twin of POST …/reviews/bulk-accept)."""
    project = _reviewer_project(request, pk)
    form = BulkAcceptForm(request.POST)
    if not form.is_valid():
        return _render_queue(request, project, bulk_form=form, status=400)
    ids = form.cleaned_data["submissions"]
    try:
        result = reviews_bulk_accept(
            project=project,
            reviewer=request.user,
            submission_ids=ids,
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        form.add_error(None, exc.detail)
        # The service names items by their place in the list; the page shows them by row.
        errors = {
            pk_: exc.fields[f"submissions[{index}]"]
            for index, pk_ in enumerate(ids)
            if f"submissions[{index}]" in exc.fields
        }
        return _render_queue(
            request, project, bulk_errors=errors, bulk_form=form, status=exc.status_code
        )
    messages.success(
        request,
        ngettext(
            "Accepted %(count)s submission(s).",
            "Accepted %(count)s submission(s).",
            len(result.reviews),
        )
        % {"count": len(result.reviews)},
    )
    return redirect(_queue_url(project.pk, request.GET))


# --- one submission -----------------------------------------------------------------------


def _render_review(
    request: HttpRequest, submission: Submission, form: ReviewForm | None, status: int = 200
) -> HttpResponse:
    page = _review_page_context(request, submission)
    queue = page["ctx"]["queue"] or {}
    # A decided submission back in the queue because its checks changed is reviewed again.
    reconsider = queue.get("status") == "queued" and queue.get("reason") == "rejudged"
    decided = submission.status != "submitted" and not reconsider
    return render(
        request,
        "reviews/review.html",
        {
            **page,
            "form": None if decided else form or _review_form(page["ctx"]),
            "decided": decided,
            "reconsider": reconsider and submission.status != "submitted",
        },
        status=status,
    )


# What the review form's default button sends (``then``): record the decision and open the
# next item of the queue. The other button records it and goes back to the queue page.
THEN_NEXT = "next"


def _decided_message(review: Review) -> str:
    score = review.score_value
    decision = review.get_decision_display().lower()
    if score is not None:
        return gettext("Submission #%(id)s: %(decision)s, rubric score %(score).2f.") % {
            "id": review.submission_id,
            "decision": decision,
            "score": score,
        }
    return gettext("Submission #%(id)s: %(decision)s.") % {
        "id": review.submission_id,
        "decision": decision,
    }


@login_required
def submission_review_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Review a submission (twin of GET …/review and POST /api/v1/submissions/{id}/reviews).
    "Decide and go to next" (the default button) also leases the next item of the queue
    and redirects to it: one POST, one redirect, the same order as "Review next"."""
    submission = _reviewable(request, pk)
    if request.method != "POST":
        return _render_review(request, submission, None)
    # Only what the decision needs; the page's full context is read again on a refusal.
    context = judging_context(submission=submission, reviewer=request.user)
    form = _review_form(context, request.POST)
    if not form.is_valid():
        return _render_review(request, submission, form, status=400)
    # The page's default button sends "next"; a form without it (older pages, scripts)
    # keeps the old behaviour and goes back to the queue.
    then_next = request.POST.get("then") == THEN_NEXT
    try:
        if then_next:
            outcome = review_submit_and_next(
                submission=submission,
                reviewer=request.user,
                data=form.review_input(),
                filters=_next_filters(request, submission.task.project),
            )
            review, next_item = outcome.review, outcome.next_item
        else:
            review = review_submit(
                submission=submission, reviewer=request.user, data=form.review_input()
            )
            next_item = None
    except DomainError as exc:
        form.place_error(exc)
        submission.refresh_from_db()
        return _render_review(request, submission, form, status=exc.status_code)
    messages.success(request, _decided_message(review))
    # Opened from a filtered queue ("Review next" or a row link): the filters ride along,
    # to the next item and back to that view of the queue.
    query = _filter_query(request.GET)
    if then_next and next_item is not None:
        url = reverse("submission-review", args=[next_item.submission_id])
        return redirect(f"{url}?{query}" if query else url)
    if then_next:
        messages.info(
            request,
            gettext("Nothing that matches these filters is waiting for your review.")
            if query
            else gettext("Nothing is waiting for your review in this project."),
        )
    return redirect(_queue_url(submission.task.project_id, request.GET))


@login_required
@require_POST
def review_hold_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Hold a submission for review (twin of POST …/review/lease)."""
    submission = _reviewable(request, pk)
    try:
        review_lease(submission=submission, reviewer=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("submission-review", pk=submission.pk)


@login_required
@require_POST
def review_release_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a held submission back to the queue (twin of POST …/review/release); also what
    the review page sends when the reviewer leaves it without deciding."""
    submission = _reviewable(request, pk)
    # The page sends ``quiet`` when the reviewer leaves it (navigator.sendBeacon): nobody
    # reads that response, so no message is queued for a later page.
    quiet = request.POST.get("quiet") == "1"
    try:
        review_release(submission=submission, reviewer=request.user)
    except DomainError as exc:
        if quiet:
            return HttpResponse(status=exc.status_code)
        messages.error(request, exc.detail)
        return redirect("submission-review", pk=submission.pk)
    if quiet:
        return HttpResponse(status=204)
    messages.info(
        request, gettext("Submission #%(id)s is back in the queue.") % {"id": submission.pk}
    )
    return redirect("review-queue", pk=submission.task.project_id)


# --- second reviews and re-grades ------------------------------------------------------------


@login_required
def review_audit_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Reviews to audit and to re-grade, and the disagreement figure (twin of GET
    …/audit-sample and …/reviewer-disagreement)."""
    project = _reviewer_project(request, pk)
    policy = review_policy_for(project)
    return render(
        request,
        "reviews/audit.html",
        {
            "project": project,
            "policy": policy,
            "candidates": audit_candidates(project=project, reviewer=request.user),
            "regrades": regrade_candidates(project=project, reviewer=request.user),
            "disagreement": reviewer_disagreement(project=project),
        },
    )


@login_required
def review_second_page(request: HttpRequest, pk: int) -> HttpResponse:
    """An independent second review of an accept or rejection (twin of POST
    /api/v1/reviews/{id}/second-review). The first decision is not shown until it is done."""
    review = _visible_review(request, pk)
    if not permissions.can_second_review(request.user, review):
        raise PermissionDenied(
            gettext("A second review is by someone other than the first reviewer.")
        )
    submission = review.submission
    page = _review_page_context(request, submission)
    form = _review_form(page["ctx"], request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                second = review_second(
                    review=review,
                    reviewer=request.user,
                    data=dataclasses.replace(form.review_input(), revision=None),
                )
            except DomainError as exc:
                form.place_error(exc)
                status = exc.status_code
            else:
                first = {"decision": review.get_decision_display().lower()}
                messages.success(
                    request,
                    gettext("Second review recorded: it agrees with the first (%(decision)s).")
                    % first
                    if second.decision == review.decision
                    else gettext(
                        "Second review recorded: it disagrees with the first (%(decision)s)."
                    )
                    % first,
                )
                return redirect("review-audit", pk=submission.task.project_id)
    return render(
        request,
        "reviews/second_review.html",
        {**page, "review": review, "form": form},
        status=status,
    )


@login_required
def review_regrade_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Score a review's revision again under the rubric version now in force; the old
    result stays (twin of POST /api/v1/reviews/{id}/regrade)."""
    review = _visible_review(request, pk)
    if not permissions.can_regrade(request.user, review):
        raise PermissionDenied(gettext("Only QA leads and admins re-grade, never their own work."))
    submission = review.submission
    page = _review_page_context(request, submission)
    form = RegradeForm(
        request.POST or None, rubric=page["ctx"]["rubric"], rules=page["ctx"]["guideline_rules"]
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                regrade = review_regrade(
                    review=review,
                    reviewer=request.user,
                    judgments=form.judgments(),
                    rubric_version=form.cleaned_data["rubric_version"],
                    comment=form.cleaned_data["comment"],
                )
            except DomainError as exc:
                form.place_error(exc)
                status = exc.status_code
            else:
                messages.success(
                    request,
                    gettext(
                        "Re-graded submission #%(id)s: %(old)s under the old version, "
                        "%(new)s under the current one. Both are kept."
                    )
                    % {
                        "id": submission.pk,
                        "old": _score_text(review),
                        "new": _score_text(regrade),
                    },
                )
                return redirect("review-audit", pk=submission.task.project_id)
    return render(
        request,
        "reviews/regrade.html",
        {**page, "review": review, "form": form},
        status=status,
    )


# --- disputes -----------------------------------------------------------------------------


@login_required
@require_POST
def submission_dispute_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The author disputes a rejection, once (twin of POST /api/v1/submissions/{id}/disputes).
    A refusal re-renders the submission page with the message next to the comment."""
    submission = lookups.visible_submission(request.user, pk)
    if not permissions.can_dispute(request.user, submission):
        raise PermissionDenied(gettext("Only the author disputes a decision on their work."))
    form = DisputeForm(request.POST)
    if form.is_valid():
        try:
            dispute_file(
                submission=submission, by=request.user, comment=form.cleaned_data["comment"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            return render_submission_detail(
                request, submission, dispute_form=form, status=exc.status_code
            )
        messages.success(
            request, gettext("Your dispute is filed; another reviewer will decide it.")
        )
        return redirect("submission-detail", pk=submission.pk)
    return render_submission_detail(request, submission, dispute_form=form, status=400)


@login_required
def project_disputes_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's disputes, open first (twin of GET /api/v1/projects/{id}/disputes)."""
    project = _reviewer_project(request, pk)
    status = request.GET.get("status") or None
    try:
        disputes = project_disputes(project=project, user=request.user, status=status)
    except DomainError as exc:
        messages.error(request, f"{exc.detail} {' '.join(exc.fields.get('status', []))}")
        return redirect("project-disputes", pk=project.pk)
    policy = review_policy_for(project)
    page = Paginator(disputes.select_related("filed_by", "review__reviewer"), 50)
    page = page.get_page(request.GET.get("page"))
    rows = [
        {
            "dispute": dispute,
            "author": person_as_dict(policy, project.pk, dispute.filed_by),
            "can_resolve": dispute.status == DisputeStatus.OPEN
            and permissions.can_resolve_dispute(request.user, dispute),
        }
        for dispute in page.object_list
    ]
    return render(
        request,
        "reviews/disputes.html",
        {"project": project, "page": page, "rows": rows, "status": status or ""},
    )


@login_required
def dispute_resolve_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Decide a dispute for good (twin of POST /api/v1/disputes/{id}/resolve)."""
    dispute = get_object_or_404(
        Dispute.objects.visible_to(request.user).select_related(
            "submission__task__project", "submission__author", "review__reviewer", "resolution"
        ),
        pk=pk,
    )
    if not permissions.can_resolve_dispute(request.user, dispute):
        raise PermissionDenied(
            gettext(
                "A dispute is decided by a QA lead or admin other than the reviewer who rejected."
            )
        )
    submission = dispute.submission
    page = _review_page_context(request, submission)
    form = None
    status = 200
    if dispute.status == DisputeStatus.OPEN:
        form = _review_form(page["ctx"], request.POST or None)
        form.fields["reasons"].help_text = gettext(
            "To uphold, you may leave this empty: the rejection's reasons stand. "
            "To return, name at least one."
        )
        form.fields["comment"].label = gettext("Your decision, for the author")
        form.fields["comment"].required = True
    if request.method == "POST":
        if form is None:
            messages.error(request, gettext("This dispute was decided; the decision is final."))
            return redirect("project-disputes", pk=submission.task.project_id)
        status = 400
        if form.is_valid():
            try:
                dispute_resolve(
                    dispute=dispute,
                    by=request.user,
                    data=dataclasses.replace(form.review_input(), revision=None),
                )
            except DomainError as exc:
                form.place_error(exc)
                status = exc.status_code
            else:
                messages.success(
                    request,
                    gettext("Dispute of submission #%(id)s decided.") % {"id": submission.pk},
                )
                return redirect("project-disputes", pk=submission.task.project_id)
    return render(
        request,
        "reviews/dispute_resolve.html",
        {**page, "dispute": dispute, "form": form},
        status=status,
    )


# --- log and policy -----------------------------------------------------------------------


def _flagged(state: Any) -> list[str] | None:
    """The check ids a logged state names (``flagged_checks``), for their names in words."""
    checks = state.get("flagged_checks") if isinstance(state, dict) else None
    return [str(name) for name in checks] if isinstance(checks, list) else None


@login_required
def review_log_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The review audit log, newest first, in keyset pages (twin of GET …/review-log)."""
    project = lookups.visible_project(request.user, pk)
    if not permissions.can_view_review_log(request.user, project):
        raise PermissionDenied(gettext("Only QA leads and admins read the review log."))
    events = review_log(project=project).order_by("-id")
    before = request.GET.get("before", "")
    if (before_id := id_or_none(before)) is not None:
        events = events.filter(pk__lt=before_id)
    events = list(events[: LOG_PAGE_SIZE + 1])
    more = len(events) > LOG_PAGE_SIZE
    events = events[:LOG_PAGE_SIZE]
    actor = log_actors(project=project)
    return render(
        request,
        "reviews/review_log.html",
        {
            "project": project,
            "events": [
                {
                    "event": event,
                    "actor": actor(event),
                    "before": json.dumps(event.before, ensure_ascii=False, sort_keys=True),
                    "after": json.dumps(event.after, ensure_ascii=False, sort_keys=True),
                    "checks_before": _flagged(event.before),
                    "checks_after": _flagged(event.after),
                }
                for event in events
            ],
            "older_url": f"{reverse('review-log', args=[project.pk])}?before={events[-1].pk}"
            if more
            else None,
            "disagreement": reviewer_disagreement(project=project),
        },
    )


@login_required
def review_policy_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The review policy: setters and admins change it, QA leads read it (twin of GET/PUT
    /api/v1/projects/{id}/review-policy)."""
    project = lookups.visible_project(request.user, pk)
    if not permissions.can_view_review_policy(request.user, project):
        raise PermissionDenied(gettext("Trainers do not see the review policy."))
    can_edit = permissions.can_edit_review_policy(request.user, project)
    policy = review_policy_for(project)
    form = ReviewPolicyForm(initial={name: getattr(policy, name) for name in POLICY_FIELDS})
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(
                gettext("Only question setters and admins set the review policy.")
            )
        form = ReviewPolicyForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                review_policy_update(project=project, by=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, gettext("Review policy saved."))
                return redirect("review-policy", pk=project.pk)
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "reviews/review_policy.html",
        {"project": project, "form": form, "can_edit": can_edit, "policy": policy},
        status=status,
    )


# --- what the reviews app adds to other apps' pages (registered in apps.py) -----------------


def submission_page_extension(*, submission, user, dispute_form=None, **extra) -> dict:
    """The submission page's review outcome (decision, reasons, comment, dispute)."""
    outcome = submission_outcome(submission=submission, user=user)
    return {
        "outcome": outcome,
        "dispute_form": dispute_form or (DisputeForm() if outcome["can_dispute"] else None),
        "submission_partials": ["reviews/_submission_outcome.html"],
    }


def project_page_links(*, project, user) -> list[ProjectLink]:
    links = []
    if permissions.can_view_review_queue(user, project):
        links.append(
            ProjectLink(gettext("Review queue"), reverse("review-queue", args=[project.pk]), 10)
        )
    if permissions.can_view_disputes(user, project):
        links.append(
            ProjectLink(gettext("Disputes"), reverse("project-disputes", args=[project.pk]), 11)
        )
    return links


def findings_page_links(*, project, user) -> list[ProjectLink]:
    """The review pages linked from the quality findings page (``quality.hooks``)."""
    links = []
    if permissions.is_reviewer(user, project):
        links += [
            ProjectLink(gettext("Review queue"), reverse("review-queue", args=[project.pk]), 10),
            ProjectLink(gettext("Second reviews"), reverse("review-audit", args=[project.pk]), 11),
            ProjectLink(gettext("Disputes"), reverse("project-disputes", args=[project.pk]), 12),
            ProjectLink(gettext("Review log"), reverse("review-log", args=[project.pk]), 13),
        ]
    if permissions.can_view_review_policy(user, project):
        links.append(
            ProjectLink(gettext("Review policy"), reverse("review-policy", args=[project.pk]), 14)
        )
    return links
