import django_filters
from django.db.models import Q

from partners.models import Partner

from .models import Theme


class ActivityFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(
        field_name="date__year", label="Year", min_value=1900, max_value=2100, decimal_places=0
    )
    theme = django_filters.ModelMultipleChoiceFilter(
        field_name="themes__slug", to_field_name="slug", queryset=Theme.objects.all(), label="Themes"
    )
    partner = django_filters.ModelChoiceFilter(
        field_name="partners", to_field_name="slug", queryset=Partner.objects.published(), label="Partner"
    )
    program = django_filters.CharFilter(field_name="program__slug", label="Page", max_length=50)
    q = django_filters.CharFilter(method="search", label="Words in the text", max_length=200)

    def search(self, queryset, name, value):
        words = value.split()
        condition = Q()
        for word in words:
            condition &= Q(text__icontains=word) | Q(title__icontains=word)
        return queryset.filter(condition)
