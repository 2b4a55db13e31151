"""The pages of the access table (PAGES in test_access_matrix.py), as every persona, on an object
inside the persona's scope and on its twin outside it. Apart from the API's tests only so that
pytest-xdist, which hands out whole files, runs the two halves side by side."""

from __future__ import annotations

import pytest

from tests.security.conftest import MatrixWorld
from tests.security.test_access_matrix import PAGES, Row, cases, check_access


@pytest.mark.parametrize(("row", "role"), cases(PAGES))
def test_page_access(row: Row, role: str, matrix_world: MatrixWorld, db: None) -> None:
    check_access(row, role, matrix_world)
