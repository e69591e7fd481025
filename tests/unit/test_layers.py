"""Layers in one direction (docs/architecture.md): checked on the source, so a new import that turns
an arrow round fails here rather than in a circular-import error at start-up."""
from __future__ import annotations

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def _imported_packages(path: Path) -> set[str]:
    """The top-level ``portal`` packages a module imports (relative or absolute, at any level)."""
    package = ["portal", *path.relative_to(PORTAL).parent.parts]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            parts = base + (node.module.split(".") if node.module else [])
            names = [parts + [alias.name] for alias in node.names] if not node.module else [parts]
        elif isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
        else:
            continue
        found |= {name[1] for name in names if len(name) > 1 and name[0] == "portal"}
    return found


def _imports_of(package: str) -> dict[str, set[str]]:
    return {str(path.relative_to(PORTAL)): _imported_packages(path)
            for path in sorted((PORTAL / package).rglob("*.py"))}


def test_directory_never_imports_search():
    offenders = {module: sorted(deps) for module, deps in _imports_of("directory").items() if "search" in deps}
    assert not offenders, f"search depends on directory, never the reverse: {offenders}"


def test_search_owns_its_outbox_model():
    from portal.search.models import IndexOutbox

    assert IndexOutbox.__tablename__ == "index_outbox"
    assert "IndexOutbox" not in (PORTAL / "directory" / "models.py").read_text(encoding="utf-8")


def test_one_haversine_for_search_and_matching():
    from portal import geo
    from portal.matching import spatial
    from portal.search import engine

    assert spatial.haversine_km is geo.haversine_km
    # Beijing to Shanghai, about 1067 km along the great circle, the same from both packages.
    a, b = (39.9042, 116.4074), (31.2304, 121.4737)
    assert abs(engine.distance_km(a, b) - geo.haversine_km(*a, *b)) < 1e-9
    assert 1060 < geo.haversine_km(*a, *b) < 1075
    sources = {p.relative_to(PORTAL).as_posix() for p in PORTAL.rglob("*.py")
               if "asin(" in p.read_text(encoding="utf-8")}
    assert sources == {"geo.py"}, f"a second great-circle formula: {sources}"
