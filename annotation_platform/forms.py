from django import forms

from annotation_platform.errors import DomainError


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal on the form: per field where it names one, else on top."""
    placed = False
    for name, messages in exc.fields.items():
        if name in form.fields:
            for message in messages:
                form.add_error(name, message)
            placed = True
    if not placed or not exc.fields:
        form.add_error(None, exc.detail)
