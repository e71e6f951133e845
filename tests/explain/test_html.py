"""The HTML page: self-contained, an evidence table that adds up, the typed sections."""

import base64
import io
import re

from PIL import Image
from records import H, W, make_record

from explain import render, write_html
from models.explanation import CertificateSection

S = render.display_scale((H, W))


def test_html_is_self_contained_with_an_evidence_table(tmp_path):
    records = [make_record(i) for i in range(3)]
    records[1].certificate = CertificateSection(radius=0.75, norm="l2", assumption="one prototype per class")
    records[2].complete, records[2].exact = False, "the probabilities are a Monte Carlo mean"
    path = tmp_path / "page.html"
    assert write_html(records, path, title="t <1>") == 3
    page = path.read_text()
    assert page.count("<section>") == 3 and "t &lt;1&gt;" in page and page.rstrip().endswith("</html>")
    assert "src=\"http" not in page and "<script" not in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 3 * 3  # input + two overlays per record
    assert Image.open(io.BytesIO(base64.b64decode(images[0]))).size == (W * S, H * S)
    assert "prototype 2" in page and "+1.0000" in page and "+0.1000" in page  # evidence and bias rows
    assert "logit of b" in page and "certificate" in page and "one prototype per class" in page
    assert "not complete: the probabilities are a Monte Carlo mean" in page
