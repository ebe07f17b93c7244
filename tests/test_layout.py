"""The layout shows the architecture (architecture.md): packages in layers, imports pointing
one way only, down this list, and nothing under bot/ but the app itself importing discord or
a cog. A new import that points up fails here with the module and the import named."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Lowest first: a package may import only those before it (and itself). The chains depend
#: on nothing above them; the cogs (not under bot/) may import anything.
LAYERS = (
    "chains",
    "i18n",
    "seats",
    "watches",
    "delivery",
    "store",
    "checking",
    "drawing",
    "memory",
    "config",
    "env_watch",
    "app",
    "__main__",
)


def _imports(path: Path) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "bot":
                found += [f"bot.{a.name}" for a in node.names]
            else:
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names]
    return found


def _layer(module: str) -> str:
    return module.split(".")[1]


MODULES = sorted(
    p for p in (ROOT / "bot").rglob("*.py") if p.name != "__init__.py" or p.parent.name != "bot"
)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down_the_layers(path: Path) -> None:
    own = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    mine = LAYERS.index(_layer(own))
    for target in _imports(path):
        if target.startswith(("discord", "cogs")):
            assert own in ("bot.app", "bot.__main__"), f"{own} imports {target}"
        if target.startswith("bot."):
            theirs = LAYERS.index(_layer(target))
            assert theirs <= mine, f"{own} ({LAYERS[mine]}) imports {target} ({LAYERS[theirs]})"


def test_every_package_has_its_layer() -> None:
    packages = {p.name for p in (ROOT / "bot").iterdir() if p.is_dir() and p.name != "__pycache__"}
    modules = {p.stem for p in (ROOT / "bot").glob("*.py") if p.stem != "__init__"}
    assert packages | modules == set(LAYERS)


#: The provider seam (bot/chains/base.py): a chain's package knows the seam and the shared
#: HTTP plumbing, never another chain; only the registry (names, formats, links) and the
#: catalogue see every chain, and the bot above them sees a chain only through those.
CHAIN_PACKAGES = sorted(
    p.name for p in (ROOT / "bot" / "chains").iterdir() if (p / "__init__.py").is_file()
)


@pytest.mark.parametrize("chain", CHAIN_PACKAGES)
def test_a_chain_knows_only_the_seam(chain: str) -> None:
    allowed = ("bot.chains.base", "bot.chains.http", f"bot.chains.{chain}")
    for path in (ROOT / "bot" / "chains" / chain).rglob("*.py"):
        for target in _imports(path):
            if target.startswith("bot."):
                assert target.startswith(allowed), f"{path.relative_to(ROOT)} imports {target}"


def test_the_bot_sees_a_chain_only_through_the_seam() -> None:
    """Above bot/chains only the app and the CLI build a chain's client (and the settings
    name its options); everything else, the cogs too, speaks of chains by name
    (bot.chains.base, registry, catalogue)."""
    builders = {"bot/app.py", "bot/__main__.py", "bot/config.py"}
    for path in [*MODULES, *sorted((ROOT / "cogs").rglob("*.py"))]:
        rel = str(path.relative_to(ROOT))
        if rel.startswith("bot/chains/") or rel in builders:
            continue
        for target in _imports(path):
            assert not target.startswith(tuple(f"bot.chains.{c}" for c in CHAIN_PACKAGES)), (
                f"{rel} imports {target}"
            )
