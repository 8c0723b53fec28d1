from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    """Every resolution's `resolved_later` from its timeline, as restamp() writes it: only the
    resolutions are updated, the other stamps untouched."""
    connection = schema_editor.connection
    table = connection.ops.quote_name(apps.get_model("cases", "CaseEvent")._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET resolved_later = EXISTS (SELECT 1 FROM {table} n "  # noqa: S608 - fixed names
            f"WHERE n.case_id = {table}.case_id AND n.kind = 'resolved' "
            f"AND (n.at > {table}.at OR (n.at = {table}.at AND n.id > {table}.id))) "
            f"WHERE kind = 'resolved'"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0022_reopened_index'),
        ('org', '0007_merge_wecom_and_translations'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='caseevent',
            name='resolved_later',
            field=models.BooleanField(editable=False, null=True, verbose_name='resolved again later'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='caseevent',
            index=models.Index(condition=models.Q(('on__gt', models.F('deadline')), ('resolved_later', True)), fields=['bureau', 'kind', 'on', 'case', 'at', 'id'], name='caseevent_late_resolved_again'),
        ),
    ]
