"""`{% review_queues as queues %}`: the review queues the operator may view, with the
number of rows waiting in each (registered by the apps' admin modules, see
marketplace.core.admin_actions.review_queue)."""

from django import template

from marketplace.core.admin_actions import review_queue_counts

register = template.Library()


@register.simple_tag(takes_context=True)
def review_queues(context):
    return review_queue_counts(context["request"].user)
