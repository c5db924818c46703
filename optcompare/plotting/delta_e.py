"""How different two colours look: CIEDE2000 on CIELAB (D65 white, sRGB colours).

The figures' colour rule (:data:`optcompare.plotting.colors.DISTINCT`) compares the
colours of one figure's labels with it.  Formulas from Sharma, Wu & Dalal (2005), "The
CIEDE2000 color-difference formula: implementation notes, supplementary test data, and
mathematical observations", whose test pairs check this module.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ciede2000", "delta_e", "lab"]

# sRGB (linear) -> XYZ, and the D65 white the sRGB primaries are defined against
_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_WHITE = np.array([0.95047, 1.0, 1.08883])


def lab(color: str) -> np.ndarray:
    """CIELAB (L*, a*, b*) of a matplotlib colour, as sRGB under D65."""
    from matplotlib.colors import to_rgb

    rgb = np.array(to_rgb(color))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    t = _XYZ @ linear / _WHITE
    e = 6.0 / 29.0
    f = np.where(t > e**3, np.cbrt(t), t / (3 * e**2) + 4.0 / 29.0)
    return np.array([116.0 * f[1] - 16.0, 500.0 * (f[0] - f[1]), 200.0 * (f[1] - f[2])])


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> float:
    """The CIEDE2000 difference of two CIELAB colours (kL = kC = kH = 1)."""
    L1, a1, b1 = (float(v) for v in lab1)
    L2, a2, b2 = (float(v) for v in lab2)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2.0
    # a* is stretched for near-neutral colours, where CIELAB's hue angles are too coarse
    g = 0.5 * (1.0 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1.0 + g) * a1, (1.0 + g) * a2
    c1, c2 = float(np.hypot(a1p, b1)), float(np.hypot(a2p, b2))
    h1 = float(np.degrees(np.arctan2(b1, a1p)) % 360.0) if c1 else 0.0
    h2 = float(np.degrees(np.arctan2(b2, a2p)) % 360.0) if c2 else 0.0
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180.0) % 360.0 - 180.0
    if c1 * c2 == 0:
        h_bar = h1 + h2
    elif abs(h1 - h2) <= 180.0:
        h_bar = (h1 + h2) / 2.0
    else:
        h_bar = (h1 + h2 + (360.0 if h1 + h2 < 360.0 else -360.0)) / 2.0
    dL, dC = L2 - L1, c2 - c1
    dH = 2.0 * np.sqrt(c1 * c2) * np.sin(np.radians(dh / 2.0))
    L_bar, c_barp = (L1 + L2) / 2.0, (c1 + c2) / 2.0
    t = (
        1.0
        - 0.17 * np.cos(np.radians(h_bar - 30.0))
        + 0.24 * np.cos(np.radians(2.0 * h_bar))
        + 0.32 * np.cos(np.radians(3.0 * h_bar + 6.0))
        - 0.20 * np.cos(np.radians(4.0 * h_bar - 63.0))
    )
    s_l = 1.0 + 0.015 * (L_bar - 50.0) ** 2 / np.sqrt(20.0 + (L_bar - 50.0) ** 2)
    s_c = 1.0 + 0.045 * c_barp
    s_h = 1.0 + 0.015 * c_barp * t
    r_c = 2.0 * np.sqrt(c_barp**7 / (c_barp**7 + 25.0**7))
    r_t = -np.sin(np.radians(60.0 * np.exp(-(((h_bar - 275.0) / 25.0) ** 2)))) * r_c
    x, y, z = dL / s_l, dC / s_c, dH / s_h
    return float(np.sqrt(x * x + y * y + z * z + r_t * y * z))


def delta_e(color1: str, color2: str) -> float:
    """CIEDE2000 difference of two matplotlib colours (0: the same; about 1 to 2: just
    noticeable on large patches)."""
    return ciede2000(lab(color1), lab(color2))
