from django import forms

from tasks.models import ProjectStatus, Role


class ProjectForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    status = forms.ChoiceField(choices=ProjectStatus.choices, initial=ProjectStatus.DRAFT)


class MemberAddForm(forms.Form):
    user = forms.CharField(label="Username or email", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.TRAINER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
