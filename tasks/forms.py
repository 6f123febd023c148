import json

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from annotation_platform import jsonguard
from tasks.models import ProjectStatus, Role
from tasks.services.distribution import DISTRIBUTION_LIMITS


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=ProjectStatus.choices, initial=ProjectStatus.DRAFT
    )


class MemberAddForm(forms.Form):
    user = forms.CharField(label=_("Username or email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.TRAINER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


# --- task distribution (tasks.services.distribution holds the rules; these only parse) ----


class TaskSettingsForm(forms.Form):
    priority = forms.IntegerField(
        label=_("Priority"),
        min_value=-1_000_000,
        max_value=1_000_000,
        help_text=_("Higher is served first."),
    )
    overlap = forms.IntegerField(
        required=False,
        label=_("Overlap"),
        help_text=_(
            "How many distinct trainers answer this task; blank for the project's default."
        ),
    )


class GoldForm(forms.Form):
    gold_answer = forms.CharField(
        label=_("Expected answer (JSON object keyed by question id)"),
        widget=forms.Textarea(attrs={"rows": 6, "class": "code", "spellcheck": "false"}),
        help_text=_(
            "Only the questions it scores (choices, ratings, pairwise, rankings; no free "
            'text). A rating may carry its own tolerance: {"score": {"value": 4, "tolerance": 1}}. '
            "Never shown to trainers."
        ),
    )

    def clean_gold_answer(self):
        text = self.cleaned_data["gold_answer"]
        try:
            return jsonguard.loads(text)
        except jsonguard.HostileInput as exc:
            raise forms.ValidationError(
                gettext("Refused at %(path)s: %(reason)s")
                % {"path": exc.path, "reason": exc.reason}
                if exc.path
                else gettext("Refused at the top: %(reason)s") % {"reason": exc.reason}
            ) from exc
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                gettext("Not valid JSON: %(error)s at line %(line)s, column %(column)s.")
                % {
                    "error": jsonguard.syntax_error_text(exc),
                    "line": exc.lineno,
                    "column": exc.colno,
                }
            ) from exc


class AssignForm(forms.Form):
    trainer = forms.CharField(label=_("Trainer (username or email)"), max_length=254)


class DistributionForm(forms.Form):
    """A project's distribution settings; the lease is entered in minutes."""

    # The service checks the ranges; only the lease needs its bounds here, in minutes, so
    # that a refusal is stated in the unit the form asks for.
    LEASE_MINUTES = tuple(seconds / 60 for seconds in DISTRIBUTION_LIMITS["lease_seconds"])

    default_overlap = forms.IntegerField(
        label=_("Trainers per task (overlap)"),
        help_text=_("Tasks without their own overlap are answered by this many distinct trainers."),
    )
    lease_minutes = forms.FloatField(
        label=_("Lease (minutes)"),
        min_value=LEASE_MINUTES[0],
        max_value=LEASE_MINUTES[1],
        help_text=_("How long a trainer holds a task before it returns to the pool."),
    )
    max_leases_per_trainer = forms.IntegerField(
        label=_("Tasks one trainer may hold at once"),
    )
    max_submissions_per_day = forms.IntegerField(
        required=False,
        label=_("Submissions per trainer per day"),
        help_text=_("Per UTC day; leave blank for no cap."),
    )
    gold_rate = forms.FloatField(
        label=_("Gold rate (a share from 0 to 1)"),
        help_text=_("Share of served tasks drawn from gold tasks: 0.05 means 5%; 0 for none."),
    )
    skip_flag_threshold = forms.IntegerField(
        label=_("Flag a task after this many skips"),
    )

    # Service field names that the form shows under another name.
    FIELD_FOR = {"lease_seconds": "lease_minutes"}

    @classmethod
    def initial_for(cls, project) -> dict:
        return {
            "default_overlap": project.default_overlap,
            "lease_minutes": project.lease_seconds // 60
            if project.lease_seconds % 60 == 0
            else round(project.lease_seconds / 60, 2),
            "max_leases_per_trainer": project.max_leases_per_trainer,
            "max_submissions_per_day": project.max_submissions_per_day,
            "gold_rate": project.gold_rate,
            "skip_flag_threshold": project.skip_flag_threshold,
        }

    def changes(self) -> dict:
        """The cleaned data as ``project_distribution_update`` takes it."""
        data = dict(self.cleaned_data)
        data["lease_seconds"] = round(data.pop("lease_minutes") * 60)
        return data


class RemoteMediaForm(forms.Form):
    """The hosts whose images and audio load in the project's pages, one per line;
    ``tasks.services.project_remote_media_update`` checks them."""

    remote_media_hosts = forms.CharField(
        label=_("Hosts of remote images and audio"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "code", "spellcheck": "false"}),
        help_text=_(
            "One host name per line, such as images.example.com, or *.example.com for "
            "all its subdomains. Images and audio from other hosts are shown as links and never "
            "load by themselves, so their owners cannot see who opened a page."
        ),
    )

    @classmethod
    def initial_for(cls, project) -> dict:
        return {"remote_media_hosts": "\n".join(project.remote_media_hosts)}

    def hosts(self) -> list[str]:
        # Lines, or commas for a list pasted from elsewhere; the service checks each entry.
        text = self.cleaned_data["remote_media_hosts"].replace(",", "\n")
        return [line.strip() for line in text.splitlines() if line.strip()]
