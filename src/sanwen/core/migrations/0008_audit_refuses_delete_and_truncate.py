from django.db import migrations

from sanwen.core.append_only import protect, unprotect


def forwards(apps, schema_editor):
    protect(schema_editor.connection)


def backwards(apps, schema_editor):
    unprotect(schema_editor.connection)


class Migration(migrations.Migration):
    """UPDATE was refused since 0003; DELETE and TRUNCATE are refused from here on."""

    dependencies = [("core", "0007_commitment_notice")]
    operations = [migrations.RunPython(forwards, backwards)]
