"""What the three Python services share: one JSON log format with secret masking (`logs`) and the
one parser of each setting several services read (`values`). Importable from both environments
(pydantic-free; structlog is pinned in both) and from the backend (`backend/service_common` links here)."""
