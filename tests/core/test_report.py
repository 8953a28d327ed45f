"""The HTML report: every section, no network reference, rendered from files alone (CLI), atomic."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from gradiend_toy import ToyTrainer
from PIL import Image

from gradiend.cli import main
from gradiend.definition import ReportSection
from gradiend.model.with_gradiend import ModelWithGradiend
from gradiend.report import RUN_SUMMARY_FILE, find_network_references, load_run_summary
from gradiend.report.build import checked_sections
from gradiend.report.html import write_report_for_directory
from gradiend.report.template import BUNDLE_ATTRIBUTE
from gradiend.testing import quick_arguments

SECTION_IDS = ("overview", "arguments", "training", "seeds", "encoder", "decoder", "examples", "timings")
BUNDLE = re.compile(rf"<script[^>]*{BUNDLE_ATTRIBUTE}[^>]*>.*?</script>", re.DOTALL)


def without_bundle(text: str) -> str:
    """The page without the inlined plotly.js bundle (which holds URL strings of unused features)."""
    stripped, count = BUNDLE.subn("", text)
    assert count <= 1
    return stripped


@pytest.fixture(scope="module")
def report_path(trained_toy: ToyTrainer) -> Path:
    return Path(trained_toy.report())


@pytest.fixture(scope="module")
def report_html(report_path: Path) -> str:
    return report_path.read_text(encoding="utf-8")


def test_report_is_written_in_the_experiment_dir(trained_toy: ToyTrainer, report_path: Path) -> None:
    assert trained_toy.experiment_dir is not None
    assert report_path == Path(trained_toy.experiment_dir) / "report.html"
    leftovers = [p.name for p in report_path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == [], "atomic writes leave no temporary files"


def test_report_has_every_section(report_html: str) -> None:
    for section in SECTION_IDS:
        assert f'<section id="{section}">' in report_html, section
        assert f'href="#{section}"' in report_html, f"navigation links to {section}"
    assert "Not evaluated" not in report_html
    assert "cannot be drawn" not in report_html


def test_report_embeds_its_figures(report_html: str) -> None:
    images = re.findall(r'<img src="([^"]*)"', report_html)
    assert len(images) >= 3, "training, encoder and decoder figures"
    for uri in images:
        assert uri.startswith("data:image/png;base64,")
    assert report_html.count(f"{BUNDLE_ATTRIBUTE}=") == 1, "plotly.js inlined once"
    assert 'id="encoder-scatter"' in report_html


def test_report_has_no_network_reference(report_html: str) -> None:
    assert find_network_references(report_html) == []
    assert re.search(r"<script[^>]*\bsrc\s*=", report_html) is None
    assert re.search(r"<link\b", report_html) is None
    own = without_bundle(report_html)
    for needle in ("http://", "https://", "//cdn", "fetch(", "XMLHttpRequest", "WebSocket", "sendBeacon"):
        assert needle not in own, needle


def test_report_states_the_results(trained_toy: ToyTrainer, report_html: str) -> None:
    metrics = trained_toy.evaluate_encoder()
    assert f"{metrics['correlation']:.4g}" in report_html
    selected = trained_toy.evaluate_decoder()
    for key in ("a", "b"):
        assert f"{selected[key]['learning_rate']:.4g}" in report_html
    assert "toy-mlp" in report_html
    assert "learning_rate" in report_html, "the arguments table"


def test_run_summary_holds_the_results(trained_toy: ToyTrainer, report_path: Path) -> None:
    summary = load_run_summary(report_path.parent)
    assert summary is not None
    assert summary["pair"] == ["a", "b"]
    assert summary["modality"] == "toy"
    encoder = summary["encoder"]
    assert len(encoder["rows"]["encoded"]) == encoder["metrics"]["n_samples"]
    assert set(encoder["rows"]["type"]) == {"training", "neutral"}
    assert {"a", "b"} <= set(summary["decoder"]["summaries"])
    assert summary["decoder"]["grid"][0]["id"] == "base"
    assert {"encoder_evaluation", "decoder_evaluation"} <= set(summary["timings"])
    json.dumps(summary, allow_nan=False)


def test_cli_renders_the_same_report_from_files(
    report_path: Path, report_html: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "cli.html"
    assert main(["report", str(report_path.parent), "--output", str(output)]) == 0
    assert capsys.readouterr().out.strip() == str(output)
    assert output.read_text(encoding="utf-8") == report_html


def test_report_of_a_checkpoint_without_evaluations(trained_toy: ToyTrainer, tmp_path: Path) -> None:
    output = write_report_for_directory(trained_toy.model_path, tmp_path / "bare.html")
    text = Path(output).read_text(encoding="utf-8")
    for section in SECTION_IDS:
        assert f'<section id="{section}">' in text, section
    assert "Not evaluated" in text
    assert find_network_references(text) == []
    assert BUNDLE_ATTRIBUTE not in text, "no interactive figure, no plotly.js"


def test_report_of_a_directory_without_a_run(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="holds no GRADIEND run"):
        write_report_for_directory(tmp_path)
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        write_report_for_directory(tmp_path / "missing")


def test_a_corrupt_run_summary_is_reported(tmp_path: Path) -> None:
    (tmp_path / RUN_SUMMARY_FILE).write_text('{"format": "gradiend-run-summary", "format_')
    with pytest.raises(ValueError, match="corrupt or truncated"):
        write_report_for_directory(tmp_path)


class ToyTrainerWithExamples(ToyTrainer):
    """A modality that adds a section with a local image to the report."""

    def report_sections(self, model_with_gradiend: ModelWithGradiend, output_dir: str) -> list[ReportSection]:
        image = Image.new("RGB", (8, 8), (0, 114, 178))
        image.save(Path(output_dir) / "example.png")
        return [ReportSection("Before/after examples", '<p>rewritten</p><img src="example.png" alt="x">')]


def test_modality_sections_are_included_with_images_inlined(trained_toy: ToyTrainer, tmp_path: Path) -> None:
    args = quick_arguments(tmp_path / "run")
    trainer = ToyTrainerWithExamples(model=trained_toy.get_model(), target_classes=["a", "b"], args=args)
    path = trainer.report(evaluate=False)
    text = Path(path).read_text(encoding="utf-8")
    assert '<section id="before-after-examples">' in text
    assert '<img src="data:image/png;base64,' in text
    assert 'src="example.png"' not in text
    assert find_network_references(text) == []
    assert "Not evaluated" in text, "evaluate=False and no earlier results"


def test_sections_that_refer_to_the_network_are_rejected(tmp_path: Path) -> None:
    remote = ReportSection("Remote", '<img src="https://example.org/x.png">')
    with pytest.raises(ValueError, match="embeds local images only"):
        checked_sections([remote], tmp_path)
    styled = ReportSection("Styled", "<div style=\"background: url('http://example.org/x.png')\"></div>")
    with pytest.raises(ValueError, match="refers to the network"):
        checked_sections([styled], tmp_path)
    missing = ReportSection("Missing", '<img src="nowhere.png">')
    with pytest.raises(FileNotFoundError, match=r"nowhere\.png"):
        checked_sections([missing], tmp_path)


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="https://cdn.plot.ly/plotly.min.js"></script>',
        '<link rel="stylesheet" href="//cdn.example.org/s.css">',
        '<img srcset="http://example.org/a.png 2x">',
        "<style>@import 'x.css';</style>",
        '<meta http-equiv="refresh" content="0; url=http://example.org">',
    ],
)
def test_network_reference_finder(snippet: str) -> None:
    assert find_network_references(f"<html><body>{snippet}</body></html>")
    assert find_network_references('<a href="#top">top</a><img src="data:image/png;base64,AA==">') == []
    assert find_network_references("<p>see https://example.org</p><script>var u = 'http://x';</script>") == []


def test_text_descriptions_are_escaped_in_hover_text() -> None:
    from gradiend.plotting.scatter import hover_text

    text = hover_text("<b>he</b> said " + "x" * 400)
    assert "<b>" not in text and "&lt;b&gt;" in text
    assert len(text) < 400
    assert io.StringIO(text).read().count("<br>") >= 1
