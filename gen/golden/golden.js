// golden.js writes parity goldens for facecluster's converted models: the
// original networks, run in their original runtime (TF.js 4.22.0, WASM
// backend), on deterministic synthetic images.
//
//   cd gen/golden && npm ci --ignore-scripts && node golden.js ../../testdata/golden
//
// The packages come from package-lock.json: @vladmandic/human@3.3.6 and
// @vladmandic/face-api@1.7.15 are the very tarballs gen/models converts (the
// lock's sha512 integrity equals the registry's dist.integrity that
// gen/models/npm.go records beside its SHA-256).
//
// Inputs: image <name> is H x W x 3 uint8 from makeImage(seed, H, W) below,
// a seeded mulberry32 PRNG drawing a colour gradient, 12 Gaussian blobs and
// +-8 noise. Each network is fed the image after the preprocessing of
// ../../shared/MODELS.md, computed with TF.js float32 ops:
//   blazeface  x/127.5 - 1                                      (RGB)
//   dlib       face-api.js's own FaceRecognitionNet.computeFaceDescriptor
//              (the image is 150x150, so no resize: (x - mean)/255)
//   faceres    reverse to BGR, then - [103.939, 116.779, 123.68]
//
// Outputs (testdata/golden/*.npy, NumPy format 1.0, little-endian):
//   <model>-<seed>.input.npy   uint8 [H,W,3], the image
//   blazeface-<seed>.{scores16,boxes16,scores8,boxes8}.npy  float32, the four
//       raw heads (TF names Identity:0, Identity_2:0, Identity_1:0, Identity_3:0)
//   dlib-<seed>.descriptor.npy float32 [1,128]
//   faceres-<seed>.feature.npy float32 [1,1024] (global_pooling/Mean)
//
// Run mode: the original networks on input tensors Go tests wrote:
//
//   node golden.js run DIR
//
// reads every DIR/<model>-<id>.input.npy (float32 [1,H,W,3], already
// preprocessed exactly as facecluster's pipeline feeds the network; model is
// blazeface, dlib or faceres) and writes the outputs beside it, named as
// above: <model>-<id>.{scores16,boxes16,scores8,boxes8}.npy,
// <model>-<id>.descriptor.npy, <model>-<id>.feature.npy. The graph models
// take the tensor as it is. face-api.js's FaceRecognitionNet normalises
// inside its forward pass ((p - mean)/255), so the dlib tensor x is passed
// as p = x*255 + mean (rounded once to float32; TF.js's (p - mean)/255 then
// gives back x within ~1e-7). embed's and detect's TestParityDevPhotos use
// this mode on the dev photos (see internal/tfjsref).
'use strict';

const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

const SEEDS = [1, 2];

// mulberry32: a 32-bit seeded PRNG returning floats in [0, 1).
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeImage(seed, h, w) {
  const rand = mulberry32(seed);
  const base = [0, 1, 2].map(() => 40 + rand() * 175);
  const grad = [0, 1, 2].map(() => [(rand() - 0.5) * 160 / h, (rand() - 0.5) * 160 / w]);
  const blobs = [];
  for (let i = 0; i < 12; i++) {
    blobs.push({
      y: rand() * h, x: rand() * w,
      s: (0.04 + rand() * 0.2) * Math.min(h, w),
      c: [0, 1, 2].map(() => (rand() - 0.5) * 220),
    });
  }
  const img = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let v = base[c] + grad[c][0] * (y - h / 2) + grad[c][1] * (x - w / 2);
        for (const b of blobs) {
          const d2 = (y - b.y) ** 2 + (x - b.x) ** 2;
          v += b.c[c] * Math.exp(-d2 / (2 * b.s * b.s));
        }
        v += (rand() - 0.5) * 16;
        img[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return img;
}

// writeNpy writes a NumPy .npy (format 1.0) file.
function writeNpy(file, descr, shape, bytes) {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const h = Buffer.alloc(10);
  h.write('\x93NUMPY', 0, 'latin1');
  h[6] = 1; h[7] = 0;
  h.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([h, Buffer.from(header, 'latin1'), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]));
}

async function writeTensor(file, t) {
  const data = await t.data();
  writeNpy(file, '<f4', t.shape, new Float32Array(data));
}

// loadGraphModel loads a TF.js graph model from a directory of node_modules.
async function loadGraphModel(dir, base) {
  const json = JSON.parse(fs.readFileSync(path.join(dir, base + '.json'), 'utf8'));
  const buffers = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  return tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs, weightData,
    format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy,
  }));
}

// readNpy reads a float32 .npy (format 1.0, little-endian, C order).
function readNpy(file) {
  const b = fs.readFileSync(file);
  if (b.toString('latin1', 0, 8) !== '\x93NUMPY\x01\x00') throw new Error(`${file}: not a .npy 1.0 file`);
  const hl = b.readUInt16LE(8);
  const header = b.toString('latin1', 10, 10 + hl);
  const m = /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(([0-9, ]*)\), \} *\n$/.exec(header);
  if (!m) throw new Error(`${file}: unsupported header ${JSON.stringify(header)}`);
  const shape = m[1].split(',').map((d) => d.trim()).filter((d) => d !== '').map(Number);
  const n = shape.reduce((a, d) => a * d, 1);
  if (b.length - 10 - hl !== 4 * n) throw new Error(`${file}: ${b.length - 10 - hl} bytes for shape ${shape}`);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = b.readFloatLE(10 + hl + 4 * i);
  return { shape, data };
}

// runDir runs the networks on the input tensors in dir (see the header).
async function runDir(dir, blazeface, faceres) {
  const inputs = fs.readdirSync(dir).filter((f) => /^(blazeface|dlib|faceres)-.+\.input\.npy$/.test(f)).sort();
  if (inputs.length === 0) throw new Error(`${dir}: no <model>-<id>.input.npy files`);
  const want = { blazeface: [1, 256, 256, 3], dlib: [1, 150, 150, 3], faceres: [1, 224, 224, 3] };
  const dlibMean = [122.782, 117.001, 104.298];
  for (const f of inputs) {
    const model = f.slice(0, f.indexOf('-'));
    const base = path.join(dir, f.slice(0, -'.input.npy'.length));
    const x = readNpy(path.join(dir, f));
    if (x.shape.join() !== want[model].join()) throw new Error(`${f}: shape ${x.shape}, want ${want[model]}`);
    if (model === 'blazeface') {
      const heads = tf.tidy(() => blazeface.execute(tf.tensor4d(x.data, x.shape), ['Identity:0', 'Identity_2:0', 'Identity_1:0', 'Identity_3:0']));
      const names = ['scores16', 'boxes16', 'scores8', 'boxes8'];
      for (let i = 0; i < 4; i++) await writeTensor(`${base}.${names[i]}.npy`, heads[i]);
      tf.dispose(heads);
    } else if (model === 'dlib') {
      const p = new Float32Array(x.data.length);
      for (let i = 0; i < p.length; i++) p[i] = x.data[i] * 255 + dlibMean[i % 3];
      const input = tf.tensor4d(p, x.shape);
      const desc = await faceapi.nets.faceRecognitionNet.forward(input);
      input.dispose();
      await writeTensor(`${base}.descriptor.npy`, desc);
      desc.dispose();
    } else {
      const feat = tf.tidy(() => faceres.execute(tf.tensor4d(x.data, x.shape), 'global_pooling/Mean'));
      await writeTensor(`${base}.feature.npy`, feat);
      feat.dispose();
    }
  }
  console.log(`${inputs.length} inputs run`);
}

async function main() {
  if (process.argv[2] === 'run') {
    if (!process.argv[3]) throw new Error('usage: node golden.js run DIR');
    await tf.setBackend('wasm');
    await tf.ready();
    console.log(`tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}`);
    const humanModels = path.join(__dirname, 'node_modules', '@vladmandic', 'human', 'models');
    const faceapiModels = path.join(__dirname, 'node_modules', '@vladmandic', 'face-api', 'model');
    const blazeface = await loadGraphModel(humanModels, 'blazeface');
    const faceres = await loadGraphModel(humanModels, 'faceres');
    await faceapi.nets.faceRecognitionNet.loadFromDisk(faceapiModels);
    await runDir(process.argv[3], blazeface, faceres);
    return;
  }
  const out = process.argv[2] || path.join(__dirname, '..', '..', 'testdata', 'golden');
  fs.mkdirSync(out, { recursive: true });
  await tf.setBackend('wasm');
  await tf.ready();
  console.log(`tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}`);

  const humanModels = path.join(__dirname, 'node_modules', '@vladmandic', 'human', 'models');
  const faceapiModels = path.join(__dirname, 'node_modules', '@vladmandic', 'face-api', 'model');

  const blazeface = await loadGraphModel(humanModels, 'blazeface');
  const faceres = await loadGraphModel(humanModels, 'faceres');
  await faceapi.nets.faceRecognitionNet.loadFromDisk(faceapiModels);

  for (const seed of SEEDS) {
    // BlazeFace-back.
    let img = makeImage(seed, 256, 256);
    writeNpy(path.join(out, `blazeface-${seed}.input.npy`), '|u1', [256, 256, 3], img);
    let heads = tf.tidy(() => {
      const x = tf.sub(tf.div(tf.tensor4d(img, [1, 256, 256, 3], 'float32'), 127.5), 1);
      return blazeface.execute(x, ['Identity:0', 'Identity_2:0', 'Identity_1:0', 'Identity_3:0']);
    });
    const names = ['scores16', 'boxes16', 'scores8', 'boxes8'];
    for (let i = 0; i < 4; i++) await writeTensor(path.join(out, `blazeface-${seed}.${names[i]}.npy`), heads[i]);
    tf.dispose(heads);

    // dlib ResNet through face-api.js.
    img = makeImage(seed, 150, 150);
    writeNpy(path.join(out, `dlib-${seed}.input.npy`), '|u1', [150, 150, 3], img);
    const chip = tf.tensor3d(img, [150, 150, 3], 'float32');
    const desc = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(chip);
    chip.dispose();
    writeNpy(path.join(out, `dlib-${seed}.descriptor.npy`), '<f4', [1, 128], desc);

    // faceres to global_pooling/Mean.
    img = makeImage(seed, 224, 224);
    writeNpy(path.join(out, `faceres-${seed}.input.npy`), '|u1', [224, 224, 3], img);
    const feat = tf.tidy(() => {
      const rgb = tf.tensor4d(img, [1, 224, 224, 3], 'float32');
      const bgr = tf.sub(tf.reverse(rgb, 3), tf.tensor1d([103.939, 116.779, 123.68]));
      return faceres.execute(bgr, 'global_pooling/Mean');
    });
    await writeTensor(path.join(out, `faceres-${seed}.feature.npy`), feat);
    feat.dispose();
    console.log(`seed ${seed}: written`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
