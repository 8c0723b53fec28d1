"""Figures kept up to date on write, so that a dashboard reads a few hundred rows per bureau and year
instead of the period's cases: database triggers (migration 0001/0002 of this app) keep them as cases
are registered, change state or are deleted, and as resolutions are entered, on SQLite and
PostgreSQL alike, whatever writes the rows (services, the admin, bulk updates)."""

from django.db import models


def _mode_of_row():
    """The handling mode a tally row's mode_id names (0: none yet), for reading its code and name in
    the same query: a join, no column and no constraint (the triggers write mode_id; a mode is never
    deleted while cases name it)."""
    return models.ForeignObject(
        "campaigns.HandlingMode",
        on_delete=models.DO_NOTHING,
        from_fields=["mode_id"],
        to_fields=["id"],
        null=True,
        related_name="+",
    )


class CaseTally(models.Model):
    """Cases raised per bureau and month (the first day of the month raised), by ask and concern
    kind, handling mode (0: none yet) and present state."""

    bureau = models.ForeignKey("org.Bureau", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()
    ask_kind = models.CharField(max_length=16)
    concern_kind = models.CharField(max_length=16)
    mode_id = models.IntegerField()
    state = models.CharField(max_length=16)
    n = models.IntegerField(default=0)
    mode = _mode_of_row()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "month", "ask_kind", "concern_kind", "mode_id", "state"],
                name="case_tally_once",
            )
        ]

    def __str__(self):
        return f"{self.bureau_id} {self.month:%Y-%m}: {self.n}"


class ResolutionTally(models.Model):
    """Resolutions (办结 events) per bureau and month of the step, on time or not (the day of the step
    within the limit then in force), and whether the case stands resolved on the spot."""

    bureau = models.ForeignKey("org.Bureau", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()
    on_time = models.BooleanField()
    on_the_spot = models.BooleanField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "month", "on_time", "on_the_spot"], name="resolution_tally_once"
            )
        ]

    def __str__(self):
        return f"{self.bureau_id} {self.month:%Y-%m}: {self.n}"


class ScopeDim(models.TextChoices):
    """What a scoped tally row is kept for: a department (ref 0: the cases of no department), or a
    person (the owner, the registrar or the person whose visit card brought the case in)."""

    DEPARTMENT = "d", "department"
    PERSON = "p", "person"


class ScopeCaseTally(models.Model):
    """CaseTally for the scopes narrower than a bureau, by township (0: none): each case counts once
    under its department and once under each distinct person it is of (owner, raised_by,
    via_card_of: a person who registered and owns a case counts it once), as stats._cases reads them.
    Kept by triggers (migration 0004), like CaseTally."""

    bureau = models.ForeignKey("org.Bureau", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()
    dim = models.CharField(max_length=1, choices=ScopeDim.choices)
    ref_id = models.IntegerField()
    township_id = models.IntegerField()
    ask_kind = models.CharField(max_length=16)
    concern_kind = models.CharField(max_length=16)
    mode_id = models.IntegerField()
    state = models.CharField(max_length=16)
    n = models.IntegerField(default=0)
    mode = _mode_of_row()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "dim",
                    "ref_id",
                    "month",
                    "bureau",
                    "township_id",
                    "ask_kind",
                    "concern_kind",
                    "mode_id",
                    "state",
                ],
                name="scope_case_tally_once",
            )
        ]
        indexes = [models.Index(fields=["township_id", "month"], name="scope_case_tally_township")]

    def __str__(self):
        return f"{self.dim}{self.ref_id} {self.month:%Y-%m}: {self.n}"


class ScopeResolutionTally(models.Model):
    """ResolutionTally for the scopes narrower than a bureau (see ScopeCaseTally): a resolution counts
    under its case's department, township and people as they are now."""

    bureau = models.ForeignKey("org.Bureau", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()
    dim = models.CharField(max_length=1, choices=ScopeDim.choices)
    ref_id = models.IntegerField()
    township_id = models.IntegerField()
    on_time = models.BooleanField()
    on_the_spot = models.BooleanField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dim", "ref_id", "month", "bureau", "township_id", "on_time", "on_the_spot"],
                name="scope_resolution_tally_once",
            )
        ]
        indexes = [models.Index(fields=["township_id", "month"], name="scope_res_tally_township")]

    def __str__(self):
        return f"{self.dim}{self.ref_id} {self.month:%Y-%m}: {self.n}"
