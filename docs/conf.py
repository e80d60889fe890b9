"""Sphinx configuration of the mtmk documentation (``make docs``)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The gallery runs in this process: a non-interactive backend and one BLAS
# thread keep it quiet and its timings stable on small machines.
os.environ.setdefault("MPLBACKEND", "Agg")
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import mtmk  # noqa: E402

project = "mtmk"
author = "the mtmk developers"
copyright = "the mtmk developers"
release = version = mtmk.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "sg_execution_times.rst",
                    "_results_intro.md"]
root_doc = "index"

autosummary_generate = True
# Members mtmk defines (its own base classes included), not scikit-learn's.
autodoc_default_options = {
    "members": True,
    "inherited-members": "BaseEstimator,TransformerMixin,ClassifierMixin,RegressorMixin,"
                         "ClassNamePrefixFeaturesOutMixin,_SetOutputMixin,"
                         "_MetadataRequester,object",
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "pydata_sphinx_theme"
html_title = f"mtmk {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("mtmk",),
    "backreferences_dir": "generated/backreferences",
    "write_computation_times": False,
}

extensions.append("myst_parser")
myst_heading_anchors = 3


def _write_results_page():
    """Write ``results.md``: the intro page plus the README's measured results.

    The README's section headings move up one level, and its links to files of
    the repository become plain paths (those files are not part of the site).
    """
    import re

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Measured results"):readme.index("## Development")]
    section = section.split("\n", 1)[1]
    section = re.sub(r"^### ", "## ", section, flags=re.M)

    def plain(match):
        label, target = match.group(1), match.group(2)
        return f"`{target}`" if label.strip("`") == target else f"{label} (`{target}`)"

    section = re.sub(r"\[([^\]]+)\]\(((?:benchmarks|notebooks|mtmk)/[^)]*)\)", plain, section)
    intro = (Path(__file__).parent / "_results_intro.md").read_text()
    text = intro + "\n" + section
    target = Path(__file__).parent / "results.md"
    if not target.exists() or target.read_text() != text:
        target.write_text(text)


_write_results_page()


def _skip_generated_request_methods(app, what, name, obj, skip, options):
    """Leave out scikit-learn's generated ``set_*_request`` methods (metadata routing)."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_generated_request_methods)
