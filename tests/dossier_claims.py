"""Which claim (or claims) on the site covers each row of the research dossier's claims table.

The dossier is /work/shared/sources/DOSSIER.md, section 2 ("Claims from the seeds"), rows 1-34.
A tuple means the row is split into several claims on the site.
"""

DOSSIER_CLAIMS: dict[int, str | tuple[str, ...]] = {
    1: "round-size-600m",
    2: "alibaba-led-round",
    3: ("valuation-april-2018", "verge-cb-insights-credit", "valuation-after-alibaba-tranche"),
    4: "largest-ai-round-claim",
    5: ("temasek-suning-joined-series-c", "ie-previous-rounds-error", "qualcomm-investment-2017"),
    6: "alibaba-largest-investor",
    7: "joe-tsai-statement",
    8: "funds-overseas-expansion",
    9: ("founding-2014", "xu-li-ceo-from-2015"),
    10: ("profitable-2017", "prospectus-losses"),
    11: "customers-400",
    12: ("named-customers-partners", "huanbei-unidentified", "qualcomm-partnership",
          "honda-partnership"),
    13: ("cameras-170m-framing", "national-camera-count", "police-smart-glasses-misattributed",
          "police-customers", "cnet-camera-maker"),
    14: ("guangzhou-police-results", "guangzhou-population-25m", "police-69-suspects"),
    15: "justin-niu-ft-quote",
    16: ("viper-project", "viper-police-uses"),
    17: "xu-li-privacy-remark",
    18: ("supercomputers-five", "spending-plans-2018"),
    19: "further-round-4-5bn",
    20: "conference-papers",
    21: ("series-b-2017", "series-b-valuation"),
    22: "megvii-rival-analysis",
    23: ("china-ai-plan-2030", "ai-plan-2025-leadership"),
    24: "kai-fu-lee-remark",
    25: "triolo-reddy-quotes",
    26: "beijing-ai-park",
    27: ("us-ai-spend-2016", "in-q-tel-research-company"),
    28: "mit-quest-partnership",
    29: "suning-face-payment",
    30: ("llvision-glasses", "police-smart-glasses-misattributed"),
    31: "china-share-ai-funding",
    32: "schmidt-putin-remarks",
    33: "company-self-description",
    34: "us-needs-ai-plan",
}
