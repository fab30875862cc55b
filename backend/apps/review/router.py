"""Routes the unmanaged tracker models to the read-only "tracker" alias; never migrates or writes it."""

from __future__ import annotations

TRACKER_ALIAS = "tracker"


class TrackerReadOnly(Exception):
    pass


class TrackerRouter:
    def db_for_read(self, model, **hints):
        if getattr(model._meta, "tracker_table", False) or model._meta.db_table == "events":
            return TRACKER_ALIAS
        return None

    def db_for_write(self, model, **hints):
        if model._meta.db_table == "events":
            raise TrackerReadOnly("the tracker store is read-only for the review tool")
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db == TRACKER_ALIAS:
            return False
        if app_label == "review" and model_name == "trackerevent":
            return False
        return None
