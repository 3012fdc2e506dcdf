// A BitmapLayer whose texture holds float32 pixel values (r32float, nearest sampling) and whose
// fragment shader maps them to colour: (v - lo) / (hi - lo), clipped, through the stretch, into
// a row of the colormap texture; NaN gets its own colour. Limits, stretch and colormap are
// uniforms: changing them redraws without touching the data.
import { BitmapLayer, type BitmapLayerProps } from '@deck.gl/layers';
import type { UpdateParameters } from '@deck.gl/core';
import { COLORMAPS, LUT_SIZE, colormapTexels } from './colormaps';

interface TextureLike {
  destroy(): void;
  writeData?(data: ArrayBufferView): void;
}
interface DeviceLike {
  createTexture(props: Record<string, unknown>): TextureLike;
}

export interface FloatImageProps {
  /** Row-major values, `width` x `height`, row 0 at the bottom of `bounds`. */
  values: Float32Array;
  width: number;
  height: number;
  lo: number;
  hi: number;
  stretch: number;
  colormap: number;
  nanColor: [number, number, number, number];
}

const stretchModule = {
  name: 'fimage',
  vs: '',
  fs: `\
layout(std140) uniform fimageUniforms {
  float lo;
  float hi;
  float stretch;
  float colormap;
  vec4 nanColor;
} fimage;
uniform sampler2D colormapTexture;
`,
  uniformTypes: {
    lo: 'f32',
    hi: 'f32',
    stretch: 'f32',
    colormap: 'f32',
    nanColor: 'vec4<f32>',
  },
} as const;

const INJECT = `\
  float v = color.r;
  if (isnan(v) || isinf(v)) {
    color = fimage.nanColor;
  } else {
    float t = clamp((v - fimage.lo) / max(fimage.hi - fimage.lo, 1e-30), 0.0, 1.0);
    if (fimage.stretch > 2.5) t = log(10.0 * t + sqrt(100.0 * t * t + 1.0)) / log(10.0 + sqrt(101.0));
    else if (fimage.stretch > 1.5) t = log(1000.0 * t + 1.0) / log(1001.0);
    else if (fimage.stretch > 0.5) t = sqrt(t);
    float u = (t * ${(LUT_SIZE - 1).toFixed(1)} + 0.5) / ${LUT_SIZE.toFixed(1)};
    float w = (fimage.colormap + 0.5) / ${COLORMAPS.length.toFixed(1)};
    color = vec4(texture(colormapTexture, vec2(u, w)).rgb, 1.0);
  }
`;

/** One colormap texture per device, shared by every layer. */
const lutByDevice = new WeakMap<object, TextureLike>();

type Props = BitmapLayerProps & FloatImageProps;

export class FloatImageLayer extends BitmapLayer<FloatImageProps> {
  static override layerName = 'FloatImageLayer';

  override getShaders() {
    const s = super.getShaders();
    return {
      ...s,
      modules: [...(s.modules as unknown[]), stretchModule],
      inject: { 'fs:DECKGL_FILTER_COLOR': INJECT },
    };
  }

  override updateState(params: UpdateParameters<this>): void {
    super.updateState(params);
    const props = params.props as unknown as Props;
    const old = params.oldProps as unknown as Partial<Props>;
    const device = this.context.device as unknown as DeviceLike;
    if (!lutByDevice.has(device)) {
      const lut = device.createTexture({
        format: 'rgba8unorm',
        width: LUT_SIZE,
        height: COLORMAPS.length,
        data: colormapTexels(),
        mipLevels: 1,
        sampler: {
          minFilter: 'nearest',
          magFilter: 'nearest',
          addressModeU: 'clamp-to-edge',
          addressModeV: 'clamp-to-edge',
        },
      });
      lutByDevice.set(device, lut);
    }
    const st = this.state as unknown as { floatTexture?: TextureLike };
    if (props.values !== old.values || !st.floatTexture) {
      st.floatTexture?.destroy();
      const tex = device.createTexture({
        format: 'r32float',
        width: props.width,
        height: props.height,
        data: props.values,
        mipLevels: 1,
        sampler: {
          minFilter: 'nearest',
          magFilter: 'nearest',
          addressModeU: 'clamp-to-edge',
          addressModeV: 'clamp-to-edge',
        },
      });
      this.setState({ floatTexture: tex } as never);
    }
  }

  override finalizeState(context: Parameters<BitmapLayer['finalizeState']>[0]): void {
    (this.state as unknown as { floatTexture?: TextureLike }).floatTexture?.destroy();
    super.finalizeState(context);
  }

  override draw(): void {
    const state = this.state as unknown as {
      model?: {
        shaderInputs: { setProps(p: Record<string, unknown>): void };
        setBindings(b: Record<string, unknown>): void;
        draw(pass: unknown): void;
      };
      coordinateConversion?: number;
      bounds?: number[];
      floatTexture?: TextureLike;
    };
    const lut = lutByDevice.get(this.context.device as unknown as object);
    const props = this.props as unknown as Props;
    const model = state.model;
    if (!model || !lut || !state.floatTexture) return;
    // What BitmapLayer.draw does, with the float texture as its bitmap.
    model.shaderInputs.setProps({
      bitmap: {
        bitmapTexture: state.floatTexture,
        bounds: state.bounds,
        coordinateConversion: state.coordinateConversion,
        desaturate: 0,
        tintColor: [1, 1, 1],
        transparentColor: [0, 0, 0, 0],
      },
      fimage: {
        lo: props.lo,
        hi: props.hi,
        stretch: props.stretch,
        colormap: props.colormap,
        nanColor: props.nanColor.map((c) => c / 255),
      },
    });
    model.setBindings({ colormapTexture: lut });
    model.draw(this.context.renderPass);
  }
}

FloatImageLayer.defaultProps = {
  ...BitmapLayer.defaultProps,
  values: { type: 'object', value: null, compare: false },
  width: 1,
  height: 1,
  lo: 0,
  hi: 1,
  stretch: 0,
  colormap: 0,
  nanColor: { type: 'color', value: [60, 60, 60, 255] },
} as never;
