"""Factories for the core models the admin shows: heartbeats, transition log, outbox."""

import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from marketplace.core.models import Heartbeat, Notification, TransitionLog
from sellers.models import Seller

from .accounts import UserFactory
from .sellers import SellerFactory


class HeartbeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Heartbeat

    name = factory.Sequence(lambda n: f"task-{n}")
    at = factory.LazyFunction(timezone.now)


class TransitionLogFactory(factory.django.DjangoModelFactory):
    """A history row of a seller application (any model would do)."""

    class Meta:
        model = TransitionLog

    content_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(Seller))
    object_id = factory.LazyFunction(lambda: str(SellerFactory().pk))
    action = "approve"
    from_state = Seller.Status.PENDING
    to_state = Seller.Status.APPROVED
    actor = factory.SubFactory(UserFactory, is_staff=True)
    reason = ""


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    template = "seller_approved"
    context = factory.LazyFunction(dict)
    recipient = factory.LazyAttribute(lambda n: n.user.email)
