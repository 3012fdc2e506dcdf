// Python (h5py) programs for the interop tests: one writes UVH5 files the way the DSA-110
// correlator (older layout) or newer pyuvdata (flat layout, phase-centre catalog) does, with
// optional defects; the other checks a file against the UVH5 memo and the shared data pattern.
import { runPython } from '../helpers/interop';

/** Options the h5py writer understands (passed as JSON in argv[1]). */
export interface PyFileSpec {
  path: string;
  layout: 'spw-axis' | 'flat';
  vis: 'c8' | 'i4';
  flags: 'bool' | 'u1';
  nsamples: 'f4' | 'f8';
  nants: number;
  ntimes: number;
  nfreqs: number;
  npols: number;
  decDeg: number;
  /** Header fields to leave out. */
  drop?: string[];
  /** Header fields to write with a wrong shape (an extra trailing element). */
  misshape?: string[];
  /** Write Data/visdata as plain float32 instead of the compound. */
  plainVis?: boolean;
  /** Leave out the Header group entirely. */
  noHeader?: boolean;
}

/** Writes the file; prints JSON with what it wrote. Pattern as in helpers.ts. */
export const H5PY_WRITER = String.raw`
import json, sys
import numpy as np, h5py
s = json.loads(sys.argv[1])
nants, ntimes, nf, npol = s['nants'], s['ntimes'], s['nfreqs'], s['npols']
drop, mis = set(s.get('drop', [])), set(s.get('misshape', []))
pairs = [(a, b) for a in range(nants) for b in range(a, nants)]
nbls = len(pairs); nblts = nbls * ntimes
a1 = np.tile([p[0] for p in pairs], ntimes).astype(np.int64)
a2 = np.tile([p[1] for p in pairs], ntimes).astype(np.int64)
t = np.repeat(2460000.25 + (np.arange(ntimes) + 0.5) * 12.884901888 / 86400, nbls)
freqs = 1530e6 - (1024 + 384 * 5 + 8 * np.arange(nf) + 3.5) * 30517.578125
dec = np.deg2rad(s['decDeg'])
r = np.arange(nblts)[:, None, None]; f = np.arange(nf)[None, :, None]; p = np.arange(npol)[None, None, :]
if s['vis'] == 'i4':
    re, im = r * 2 + f, p - f * 3
else:
    re, im = r * 0.5 + f, p - f * 0.25
flags = ((r + f + p) % 3 == 0)
ns = np.broadcast_to(1 + (r % 5) * 0.5, (nblts, nf, npol))
spw = s['layout'] == 'spw-axis'
def shaped(a):
    a = np.broadcast_to(a, (nblts, nf, npol))
    return a[:, None, :, :] if spw else a
with h5py.File(s['path'], 'w') as fh:
    if not s.get('noHeader'):
        h = fh.create_group('Header')
        def put(name, value, **kw):
            if name in drop: return
            if name in mis:
                value = np.append(np.atleast_1d(value), np.atleast_1d(value)[-1:], axis=0)
            h.create_dataset(name, data=value, **kw)
        put('latitude', 37.2334051); put('longitude', -118.283); put('altitude', 1188.05)
        put('telescope_name', np.bytes_('OVRO_MMA')); put('instrument', np.bytes_('DSA'))
        put('history', np.bytes_('written by an h5py fixture'))
        put('Nants_data', nants); put('Nants_telescope', 117); put('Nbls', nbls); put('Nblts', nblts)
        put('Nfreqs', nf); put('Npols', npol); put('Ntimes', ntimes); put('Nspws', 1)
        put('antenna_names', np.array([str(i + 1) for i in range(117)], dtype='S4'))
        put('antenna_numbers', np.arange(117)); put('antenna_positions', np.arange(351, dtype=float).reshape(117, 3) * 0.01)
        put('antenna_diameters', np.full(117, 4.65))
        put('ant_1_array', a1, maxshape=(None,), chunks=True); put('ant_2_array', a2, maxshape=(None,), chunks=True)
        put('uvw_array', np.ones((nblts, 3), np.float32) * np.float32(1.5), maxshape=(None, 3), chunks=True)
        put('time_array', t, maxshape=(None,), chunks=True)
        put('integration_time', np.full(nblts, 12.884901888), maxshape=(None,), chunks=True)
        put('spw_array', np.array([1])); put('polarization_array', np.array([-5, -6, -7, -8][:npol]))
        if spw:
            put('object_name', np.bytes_('search')); put('phase_type', np.bytes_('drift'))
            put('freq_array', freqs[None, :]); put('channel_width', 244140.625)
            put('phase_center_app_dec', dec)
            e = h.create_group('extra_keywords')
            e['phase_center_dec'] = dec; e['ha_phase_center'] = 0.0
            e['phase_center_epoch'] = 'HADEC'  # a python str: h5py writes a variable-length string
            e['fs_table'] = np.bytes_('fs.npz'); e['applied_delays_ns'] = np.bytes_('1 2 3')
        else:
            put('freq_array', freqs); put('channel_width', np.full(nf, -244140.625))
            put('flex_spw_id_array', np.ones(nf, dtype=np.int64))
            put('vis_units', np.bytes_('uncalib')); put('Nphase', 1)
            put('phase_center_id_array', np.zeros(nblts, dtype=np.int64))
            put('phase_center_app_ra', np.full(nblts, 1.25)); put('phase_center_app_dec', np.full(nblts, dec))
            put('phase_center_frame_pa', np.zeros(nblts))
            c = h.create_group('phase_center_catalog').create_group('0')
            c['cat_name'] = np.bytes_('J0834+555'); c['cat_type'] = np.bytes_('sidereal')
            c['cat_lon'] = 2.2568; c['cat_lat'] = dec; c['cat_frame'] = np.bytes_('icrs'); c['cat_epoch'] = 2000.0
            c['info_source'] = np.bytes_('user')
            h.create_group('extra_keywords')['observer'] = np.bytes_('fixture')
    d = fh.create_group('Data')
    if s.get('plainVis'):
        d.create_dataset('visdata', data=shaped(re).astype(np.float32))
    elif s['vis'] == 'i4':
        v = np.zeros(shaped(re).shape, dtype=[('r', '<i4'), ('i', '<i4')])
        v['r'] = shaped(re); v['i'] = shaped(im)
        d.create_dataset('visdata', data=v, chunks=True)
    else:
        d.create_dataset('visdata', data=(shaped(re) + 1j * shaped(im)).astype(np.complex64), maxshape=(None,) + shaped(re).shape[1:], chunks=True)
    d.create_dataset('flags', data=shaped(flags).astype(bool if s['flags'] == 'bool' else np.uint8), chunks=True)
    d.create_dataset('nsamples', data=shaped(ns).astype(np.float32 if s['nsamples'] == 'f4' else np.float64))
print(json.dumps({'nblts': nblts, 'nbls': nbls, 'freqs': freqs.tolist(), 'times': [float(t.min()), float(t.max())], 'dec': float(dec)}))
`;

/**
 * Checks a file written by this project against the UVH5 memo with h5py: groups, every
 * required Header field, dtypes and shapes, descending frequencies, and the data pattern.
 * Prints JSON: {ok: true, ...facts} or exits non-zero with the first failure.
 */
export const H5PY_CHECKER = String.raw`
import json, sys
import numpy as np, h5py
path, layout = sys.argv[1], sys.argv[2]
fail = []
def need(cond, msg):
    if not cond: fail.append(msg)
with h5py.File(path, 'r') as fh:
    need(set(fh.keys()) == {'Header', 'Data'}, 'top-level groups %s' % list(fh.keys()))
    h, d = fh['Header'], fh['Data']
    required = ['latitude', 'longitude', 'altitude', 'telescope_name', 'instrument', 'history',
        'Nants_data', 'Nants_telescope', 'ant_1_array', 'ant_2_array', 'antenna_names', 'antenna_numbers',
        'Nbls', 'Nblts', 'Nfreqs', 'Npols', 'Ntimes', 'Nspws', 'uvw_array', 'time_array', 'integration_time',
        'freq_array', 'channel_width', 'spw_array', 'polarization_array', 'antenna_positions']
    required += ['object_name', 'phase_type'] if layout == 'spw-axis' else ['phase_center_catalog', 'phase_center_id_array', 'Nphase']
    for k in required: need(k in h, 'missing Header/' + k)
    if fail: sys.exit('UVH5 check failed: ' + '; '.join(fail))
    n = {k: int(h[k][()]) for k in ['Nbls', 'Nblts', 'Nfreqs', 'Npols', 'Ntimes', 'Nspws', 'Nants_data', 'Nants_telescope']}
    nblts, nf, npol = n['Nblts'], n['Nfreqs'], n['Npols']
    for k in ['Nbls', 'Nblts', 'Nfreqs', 'Npols', 'Ntimes', 'Nspws', 'Nants_data', 'Nants_telescope']:
        need(h[k].shape == () and h[k].dtype.kind == 'i', k + ' not an integer scalar')
    need(n['Nbls'] == n['Nants_data'] * (n['Nants_data'] + 1) // 2, 'Nbls != Nants_data (Nants_data + 1) / 2')
    need(nblts == n['Nbls'] * n['Ntimes'], 'Nblts != Nbls Ntimes')
    for k in ['telescope_name', 'instrument', 'history'] + (['object_name', 'phase_type'] if layout == 'spw-axis' else []):
        need(h[k].dtype.kind == 'S' and h[k].shape == (), k + ' not a fixed-length byte string scalar')
    need(h['antenna_names'].dtype.kind == 'S' and h['antenna_names'].shape == (n['Nants_telescope'],), 'antenna_names')
    need(h['antenna_positions'].shape == (n['Nants_telescope'], 3) and h['antenna_positions'].dtype == np.float64, 'antenna_positions')
    for k in ['ant_1_array', 'ant_2_array', 'time_array', 'integration_time']:
        need(h[k].shape == (nblts,), k + ' shape %s' % (h[k].shape,))
    need(h['time_array'].dtype == np.float64, 'time_array dtype')
    need(h['uvw_array'].shape == (nblts, 3), 'uvw_array shape')
    need(h['polarization_array'].shape == (npol,), 'polarization_array shape')
    freq = h['freq_array'][()]
    if layout == 'spw-axis':
        need(freq.shape == (1, nf), 'freq_array shape %s' % (freq.shape,)); freq = freq[0]
        need(h['channel_width'].shape == () and h['channel_width'][()] > 0, 'channel_width scalar > 0')
        need(h['phase_type'][()] == b'drift', 'phase_type %r' % h['phase_type'][()])
        e = h['extra_keywords']
        for k in ['phase_center_dec', 'ha_phase_center', 'phase_center_epoch']: need(k in e, 'missing extra_keywords/' + k)
        need(e['phase_center_epoch'][()] == b'HADEC', 'phase_center_epoch')
    else:
        need(freq.shape == (nf,), 'freq_array shape %s' % (freq.shape,))
        need(h['channel_width'].shape == (nf,), 'channel_width shape')
        cat = h['phase_center_catalog']
        need(all(isinstance(cat[k], h5py.Group) for k in cat), 'phase_center_catalog entries are groups')
        need(h['phase_center_id_array'].shape == (nblts,), 'phase_center_id_array shape')
    need(np.all(np.diff(freq) < 0), 'frequencies do not descend')
    want = (nblts, 1, nf, npol) if layout == 'spw-axis' else (nblts, nf, npol)
    for k in ['visdata', 'flags', 'nsamples']: need(d[k].shape == want, k + ' shape %s' % (d[k].shape,))
    need(d['visdata'].dtype == np.complex64, 'visdata dtype %s' % d['visdata'].dtype)
    need(d['flags'].dtype == np.bool_, 'flags dtype %s' % d['flags'].dtype)
    need(d['nsamples'].dtype == np.float32, 'nsamples dtype %s' % d['nsamples'].dtype)
    need(d['visdata'].maxshape[0] is None, 'visdata not resizable along Nblts')
    v, fl, ns = d['visdata'][()].reshape(nblts, nf, npol), d['flags'][()].reshape(nblts, nf, npol), d['nsamples'][()].reshape(nblts, nf, npol)
    r = np.arange(nblts)[:, None, None]; f = np.arange(nf)[None, :, None]; p = np.arange(npol)[None, None, :]
    need(np.array_equal(v.real, np.broadcast_to(r * 0.5 + f, v.shape)), 'visdata real part differs from the pattern')
    need(np.array_equal(v.imag, np.broadcast_to(p - f * 0.25, v.shape)), 'visdata imaginary part differs from the pattern')
    need(np.array_equal(fl, np.broadcast_to((r + f + p) % 3 == 0, fl.shape)), 'flags differ from the pattern')
    need(np.array_equal(ns, np.broadcast_to(1 + (r % 5) * 0.5, ns.shape)), 'nsamples differ from the pattern')
    if fail: sys.exit('UVH5 check failed: ' + '; '.join(fail))
    print(json.dumps({'ok': True, 'nflagged': int(fl.sum()), 'freq0': float(freq[0]), 'n': n}))
`;

export interface Written {
  nblts: number;
  nbls: number;
  freqs: number[];
  times: [number, number];
  dec: number;
}

/** Write a UVH5 file with h5py (defaults: 5 antennas, 3 times, 6 channels, 2 pols, correlator style). */
export function writeWithH5py(spec: Partial<PyFileSpec> & { path: string }): Written {
  const full: PyFileSpec = {
    layout: 'spw-axis',
    vis: 'c8',
    flags: 'bool',
    nsamples: 'f4',
    nants: 5,
    ntimes: 3,
    nfreqs: 6,
    npols: 2,
    decDeg: 54.57,
    ...spec,
  };
  return JSON.parse(runPython(H5PY_WRITER, [JSON.stringify(full)])) as Written;
}
