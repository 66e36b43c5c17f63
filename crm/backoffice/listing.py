"""Index views that list what the viewset's ``get_queryset(request)`` returns.

Wagtail 8's index view reads the model's default manager and never asks the
viewset, so the joins a list needs (one query per row otherwise) go through
this mixin. Scoped lists (guardian) use ``viewsets.IndexView`` instead.
"""

from wagtail.admin.views import generic


class ListQueryIndexView(generic.IndexView):
    viewset = None

    def get_base_queryset(self):
        return self.viewset.get_queryset(self.request)


class ListQueryMixin:
    """For a ``ModelViewSet`` whose ``get_queryset(request)`` the list must use."""

    index_view_class = ListQueryIndexView

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(viewset=self, **kwargs)
