"""The layers, one provision of the regulation per module, in the order they are consulted.

Adding a layer is one new module (NAME, `applies(ctx)`, `check(ctx)`, `LAYER`) and one line
below. Order matters only in two ways: reasons are listed in layer order, and a prohibition
ends the evaluation (`bot.rules.combine`).
"""
from __future__ import annotations

from bot.rules.layers import (ccl_chart, chart, embargo, itar, military_end_use, military_intelligence,
                              parties, russia_belarus, series_600)
from bot.rules.types import Layer

LAYERS: tuple[Layer, ...] = (
    parties.LAYER,  # the Consolidated Screening List: §§ 744.11, 736.2(b)(4), 744.15, OFAC
    itar.LAYER,  # 22 CFR 126.1, 123.1: USML items
    embargo.LAYER,  # EAR part 746: comprehensive and relaxed embargoes
    military_intelligence.LAYER,  # EAR § 744.22
    military_end_use.LAYER,  # EAR § 744.21
    series_600.LAYER,  # EAR § 742.4, § 742.6: 600 series and 9x515
    russia_belarus.LAYER,  # EAR § 746.8
    ccl_chart.LAYER,  # EAR § 738.4: the CCL's License Requirements x the Country Chart
    chart.LAYER,  # EAR99; the rulebook's dated AT-only reading before the tables' date
)

__all__ = ["LAYERS"]
