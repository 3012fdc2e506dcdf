# Reference values from astropy/ERFA for test/astro/astropy.interop.test.ts: reads a JSON request
# on stdin, writes JSON on stdout. Only the bundled IERS-B table is used (no downloads).
import json
import sys
import warnings

import numpy as np
import astropy.units as u
from astropy.coordinates import TETE, EarthLocation, SkyCoord
from astropy.time import Time
from astropy.utils import iers

warnings.simplefilter('ignore')
iers.conf.auto_download = False

req = json.load(sys.stdin)
lon = req['longitudeDeg']
OMEGA = 2 * np.pi * 1.00273781191135448  # rad per UT1 day


def last_rad(t):
    return t.sidereal_time('apparent', lon * u.deg).rad


def tete(t, ra, dec):
    c = SkyCoord(ra * u.rad, dec * u.rad, frame='icrs').transform_to(TETE(obstime=t))
    return c.ra.rad, c.dec.rad


def wrap_pi(a):
    return (a + np.pi) % (2 * np.pi) - np.pi


out = {'sidereal': [], 'transits': [], 'uvw': [], 'ecef': []}

for iso in req['dates']:
    t = Time(iso, scale='utc')
    out['sidereal'].append({'iso': iso, 'mjd': t.mjd, 'lastRad': last_rad(t), 'dut1S': float(t.delta_ut1_utc)})

ra, dec = req['source']
for iso in req['transitDates']:
    t0 = Time(iso, scale='utc')
    t = t0
    # Next transit: HA = LAST - RA(TETE) = 0 at or after t0, by Newton steps on the apparent place.
    ha = wrap_pi(last_rad(t) - tete(t, ra, dec)[0])
    step = (2 * np.pi - ha if ha > 0 else -ha) / OMEGA
    t = t0 + step * u.day
    for _ in range(6):
        ha = wrap_pi(last_rad(t) - tete(t, ra, dec)[0])
        t = t - (ha / OMEGA) * u.day
    out['transits'].append({'iso': iso, 'transitMjd': t.mjd, 'dut1S': float(t.delta_ut1_utc)})

names = req['stations']
locs = EarthLocation.from_geodetic(
    lon=[s['longitudeDeg'] for s in names] * u.deg,
    lat=[s['latitudeDeg'] for s in names] * u.deg,
    height=[s['elevationM'] for s in names] * u.m,
    ellipsoid='WGS84',
)
xyz = np.stack([locs.x.to_value(u.m), locs.y.to_value(u.m), locs.z.to_value(u.m)], axis=1)
out['ecef'] = xyz.tolist()

pairs = np.array(req['pairs'])  # 0-based indices into stations: (ant1, ant2)
b = xyz[pairs[:, 1]] - xyz[pairs[:, 0]]  # baseline = ant2 - ant1
for case in req['uvwCases']:
    t = Time(case['iso'], scale='utc')
    sra, sdec = case['raRad'], case['decRad']
    ra_app, dec_app = tete(t, sra, sdec)
    gha = last_rad(t) - ra_app - np.radians(lon)  # Greenwich hour angle of date
    sh, ch, sd, cd = np.sin(gha), np.cos(gha), np.sin(dec_app), np.cos(dec_app)
    # Thompson, Moran & Swenson eq. 4.1 with ECEF (X at Greenwich) baselines.
    uu = sh * b[:, 0] + ch * b[:, 1]
    vv = -sd * ch * b[:, 0] + sd * sh * b[:, 1] + cd * b[:, 2]
    ww = cd * ch * b[:, 0] - cd * sh * b[:, 1] + sd * b[:, 2]
    # J2000-aligned u, v (pyuvdata's frame position angle): the position angle, in the apparent
    # frame, of a point 1e-6 rad north of the source in ICRS.
    ra2, dec2 = tete(t, sra, sdec + 1e-6)
    pa = np.arctan2(np.sin(ra2 - ra_app) * np.cos(dec2),
                    np.sin(dec2) * np.cos(dec_app) - np.cos(dec2) * np.sin(dec_app) * np.cos(ra2 - ra_app))
    # Rotate (u, v) so that v points along that direction: u' = u cos(pa) - v sin(pa), v' = u sin(pa) + v cos(pa).
    uj = uu * np.cos(pa) - vv * np.sin(pa)
    vj = uu * np.sin(pa) + vv * np.cos(pa)
    out['uvw'].append({
        'iso': case['iso'], 'mjd': t.mjd, 'dut1S': float(t.delta_ut1_utc), 'paRad': float(pa),
        'date': np.stack([uu, vv, ww], axis=1).ravel().tolist(),
        'j2000': np.stack([uj, vj, ww], axis=1).ravel().tolist(),
    })

json.dump(out, sys.stdout)
