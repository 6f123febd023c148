"""Give stored signatures the sequence of the run that checked their submission's current
revision (a run id), so older texts sort before newer ones as they did when written."""

from django.db import migrations
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    Signature = apps.get_model("quality", "NearDuplicateSignature")
    CheckRun = apps.get_model("quality", "CheckRun")
    latest = CheckRun.objects.filter(
        submission_id=OuterRef("submission_id"), revision=F("submission__revision")
    ).values("id")[:1]
    Signature.objects.filter(sequence=0).update(sequence=Coalesce(Subquery(latest), Value(0)))


class Migration(migrations.Migration):
    dependencies = [("quality", "0002_signature_sequence_finding_history")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
