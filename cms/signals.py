"""Publishing an event with more places offers them to its waiting list.

The capacity lives on the page, which changes only when an editor publishes
it; the rule itself is ``cms.services.waiting_list_fill``, the one a
cancellation uses.
"""

from cms.models import EventPage

_UNKNOWN = object()


def remember_capacity(sender, instance, **kwargs):
    """pre_save: the capacity in force before this save."""
    if instance.pk:
        instance._capacity_before = (
            EventPage.objects.filter(pk=instance.pk)
            .values_list("capacity", flat=True)
            .first()
        )


def fill_freed_places(sender, instance, revision=None, **kwargs):
    """page_published: the places a raised capacity frees go to the waiting list."""
    from cms import services

    before = getattr(instance, "_capacity_before", _UNKNOWN)
    if before is _UNKNOWN or not services.capacity_raised(before, instance.capacity):
        return
    by = getattr(revision, "user", None)
    services.waiting_list_fill(event=instance, by=by)
    instance._capacity_before = instance.capacity
