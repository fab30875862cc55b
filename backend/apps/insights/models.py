from django.db import models


class Insights(models.Model):
    """No table: only carries the ``insights.view_insights`` permission for the owner's page."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_insights", "Can view the owner's insights page")]
