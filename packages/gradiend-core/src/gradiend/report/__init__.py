"""The self-contained HTML report of a GRADIEND run (``trainer.report()``, ``gradiend report RUN_DIR``).

:mod:`~gradiend.report.summary` saves the evaluation results (``run_summary.json``),
:mod:`~gradiend.report.files` reads a run directory, :mod:`~gradiend.report.html` renders and writes
the page, :mod:`~gradiend.report.offline` keeps it free of network references.
"""

from gradiend.report.html import REPORT_FILE, render_report, write_report_for_directory
from gradiend.report.offline import find_network_references
from gradiend.report.summary import RUN_SUMMARY_FILE, load_run_summary

__all__ = [
    "REPORT_FILE",
    "RUN_SUMMARY_FILE",
    "find_network_references",
    "load_run_summary",
    "render_report",
    "write_report_for_directory",
]
