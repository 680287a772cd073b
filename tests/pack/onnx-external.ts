/**
 * Tiny ONNX graphs whose weights live in an external-data file, built with onnx-proto, as the two SD1.5
 * diffusers-ONNX layouts store their UNet: model.onnx + weights.pb (nmkd/stable-diffusion-1.5-onnx-fp16)
 * and model.onnx + model.onnx_data (aislamov/lcm-dreamshaper-v7-onnx).
 *
 * y = (x + w) * b with w and b (float32 [4]) at offsets 0 and 16 of the external file.
 */
// onnx-proto is CommonJS: Node's ESM loader only offers its default export at runtime.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = 1;

export const W = [0.5, -1, 2, 4];
export const B = [2, 3, -1, 0.25];

/** y for x: (x + w) * b, exact in float32 for the test inputs. */
export function expected(x: readonly number[]): number[] {
  return x.map((v, i) => (v + (W[i] as number)) * (B[i] as number));
}

function externalTensor(name: string, location: string, offset: number) {
  return onnx.TensorProto.create({
    name,
    dataType: FLOAT,
    dims: [4],
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: '16' },
    ],
  });
}

function tensorValue(name: string) {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: 4 }] } } },
  });
}

/**
 * The graph and its external-data file. `location` is what the graph says (e.g. "weights.pb");
 * `inConstant` stores b in a Constant node's tensor attribute instead of an initializer.
 */
export function externalModel(location: string, opts: { inConstant?: boolean } = {}): { model: Uint8Array; data: Uint8Array } {
  const b = externalTensor('b', location, 16);
  return buildExternal(location, b, opts, new Uint8Array(new Float32Array([...W, ...B]).buffer));
}

/**
 * The exporter's layout for big graphs (tools/export/external_data.py): initializers spread over several files,
 * here w in `location` and b at offset 0 of `location`.1.
 */
export function chunkedExternalModel(location: string): { model: Uint8Array; files: { name: string; data: Uint8Array }[] } {
  const second = `${location}.1`;
  const { model } = buildExternal(location, externalTensor('b', second, 0), {}, new Uint8Array());
  return {
    model,
    files: [
      { name: location, data: new Uint8Array(new Float32Array(W).buffer) },
      { name: second, data: new Uint8Array(new Float32Array(B).buffer) },
    ],
  };
}

function buildExternal(
  location: string,
  b: ReturnType<typeof externalTensor>,
  opts: { inConstant?: boolean },
  data: Uint8Array,
): { model: Uint8Array; data: Uint8Array } {
  const nodes = [
    onnx.NodeProto.create({ opType: 'Add', input: ['x', 'w'], output: ['s'], name: 'add' }),
    onnx.NodeProto.create({ opType: 'Mul', input: ['s', 'b'], output: ['y'], name: 'mul' }),
  ];
  if (opts.inConstant) {
    nodes.unshift(
      onnx.NodeProto.create({
        opType: 'Constant',
        output: ['b'],
        name: 'const_b',
        attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: b }],
      }),
    );
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'ivmix-tests',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'external',
      node: nodes,
      initializer: opts.inConstant ? [externalTensor('w', location, 0)] : [externalTensor('w', location, 0), b],
      input: [tensorValue('x')],
      output: [tensorValue('y')],
    },
  });
  return { model: onnx.ModelProto.encode(model).finish(), data };
}

/** The same function with the weights inside the graph (raw_data). */
export function embeddedModel(): Uint8Array {
  const raw = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'embedded',
      node: [
        onnx.NodeProto.create({ opType: 'Add', input: ['x', 'w'], output: ['s'] }),
        onnx.NodeProto.create({ opType: 'Mul', input: ['s', 'b'], output: ['y'] }),
      ],
      initializer: [
        { name: 'w', dataType: FLOAT, dims: [4], rawData: raw(W) },
        { name: 'b', dataType: FLOAT, dims: [4], rawData: raw(B) },
      ],
      input: [tensorValue('x')],
      output: [tensorValue('y')],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
