"""`field__in=[…]` with a long list of integers against an integer column: taken as it is when the
filter is built (Django normalized and prepared each value two or three times, on every database),
and sent to PostgreSQL as one array typed as the column (`= ANY(%s::bigint[])`) instead of one
placeholder per value. A province's figures filter by its hundred bureaus' ids in most of a page's
queries: building, splitting and parsing those lists was a sixth of its dashboard's fragment. The same
rows match: NULLs are left out of the array as Django's IN leaves them out; short lists, other values,
subqueries and other databases' SQL are unchanged."""

from django.db.models import Field, IntegerField
from django.db.models.expressions import ColPairs
from django.db.models.fields.related import ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In

# Below this many values the placeholders cost nothing worth a different statement.
ARRAY_FROM = 10
INTEGER_TYPES = frozenset(("smallint", "integer", "bigint"))


class _AsArray:
    def get_prep_lookup(self):
        # A long list of plain integers against an integer column (a province's bureau ids in most of
        # a page's filters) is taken as it is: Django would otherwise normalize and prepare each value
        # two or three times as the filter is built, on every database.
        rhs = self.rhs
        if (
            isinstance(rhs, (list, tuple, set, frozenset))
            and len(rhs) >= ARRAY_FROM
            and self._integer_column()
            and all(type(value) is int for value in rhs)
        ):
            return list(rhs)
        return super().get_prep_lookup()

    def _integer_column(self) -> bool:
        if isinstance(self.lhs, ColPairs):
            return False
        field = getattr(self.lhs, "output_field", None)
        while getattr(field, "target_field", None) is not None and field.is_relation:
            field = field.target_field
        return isinstance(field, IntegerField)

    def as_postgresql(self, compiler, connection):
        values = self._array_values() if self._integer_column() else None
        if values is not None:
            # The array typed as the column (a bigint column against an integer[] is compared value
            # by value: PostgreSQL hashes a long list only of the column's own type).
            column_type = self.lhs.output_field.db_type(connection)
            if column_type in INTEGER_TYPES:
                lhs_sql, lhs_params = self.process_lhs(compiler, connection)
                return f"{lhs_sql} = ANY(%s::{column_type}[])", (*lhs_params, values)
        return self.as_sql(compiler, connection)

    def _array_values(self):
        """The list's values if they are all integers and many, else None (the usual IN)."""
        if not self.rhs_is_direct_value():
            return None
        try:
            values = [value for value in self.rhs if value is not None]
        except TypeError:
            return None
        if len(values) < ARRAY_FROM or not all(type(value) is int for value in values):
            return None
        return sorted(set(values))


class ArrayIn(_AsArray, In):
    pass


class ArrayRelatedIn(_AsArray, RelatedIn):
    pass


def install() -> None:
    Field.register_lookup(ArrayIn)
    ForeignObject.register_lookup(ArrayRelatedIn)
