from django import template

from apps.review.masking import mask as _mask
from apps.review.masking import mask_obj

register = template.Library()


@register.filter
def mask(value):
    return _mask(value) if isinstance(value, str) else str(mask_obj(value))
