"""Shapes of governance data in the API, one module per topic."""

from .requests import (  # noqa: F401
    AcceptSerializer,
    ConfirmSerializer,
    FiguresQuerySerializer,
    FiguresSerializer,
    MoneyQuerySerializer,
    MoneySerializer,
    NoteSerializer,
    PhotoUploadSerializer,
    QuoteSerializer,
    ReasonSerializer,
    RequestCategorySerializer,
    RequestCreateSerializer,
    RequestEventSerializer,
    RequestPhotoSerializer,
    ResidentRequestSerializer,
    RouteSerializer,
)
