// tfjs.js times one of the original models in TF.js (WASM backend: XNNPACK,
// SIMD, one thread) for bench/cmd/models, which runs it as
//
//   node tfjs.js MODEL INPUT.f32 IMAGE.u8 REPS MINMS OUT.f32
//
// with NODE_PATH at gen/golden/node_modules (the packages pinned there, the
// same ones the goldens come from). MODEL is blazeface, dlib or faceres.
// BlazeFace and faceres run on INPUT.f32, the preprocessed NHWC float32
// input the other runtimes get; dlib runs through face-api.js's
// FaceRecognitionNet on the 150x150 IMAGE.u8 (its own preprocessing, a
// mean subtraction, is part of the timed call). Each run ends by reading
// the outputs back. Prints one JSON line with the per-run milliseconds (wall
// clock and process CPU time) of each of REPS batches of at least MINMS ms; writes the outputs to OUT.f32.
'use strict';

const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

const modules = process.env.NODE_PATH.split(path.delimiter)[0];

async function loadGraphModel(dir, base) {
  const json = JSON.parse(fs.readFileSync(path.join(dir, base + '.json'), 'utf8'));
  const buffers = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  return tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
  }));
}

function readF32(file) {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

async function main() {
  const [name, inputFile, imageFile, repsArg, minMsArg, outFile] = process.argv.slice(2);
  const reps = Number(repsArg), minMs = Number(minMsArg);
  if (wasm.setThreadsCount) wasm.setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();
  const human = path.join(modules, '@vladmandic', 'human', 'models');
  let run;
  if (name === 'blazeface') {
    const m = await loadGraphModel(human, 'blazeface');
    const x = tf.tensor4d(readF32(inputFile), [1, 256, 256, 3]);
    const names = ['Identity:0', 'Identity_2:0', 'Identity_1:0', 'Identity_3:0'];
    run = async () => {
      const ys = m.execute(x, names);
      const data = ys.map((y) => y.dataSync());
      tf.dispose(ys);
      return data;
    };
  } else if (name === 'faceres') {
    const m = await loadGraphModel(human, 'faceres');
    const x = tf.tensor4d(readF32(inputFile), [1, 224, 224, 3]);
    run = async () => {
      const y = m.execute(x, 'global_pooling/Mean');
      const data = y.dataSync();
      y.dispose();
      return [data];
    };
  } else if (name === 'dlib') {
    await faceapi.nets.faceRecognitionNet.loadFromDisk(path.join(modules, '@vladmandic', 'face-api', 'model'));
    const img = tf.tensor3d(new Uint8Array(fs.readFileSync(imageFile)), [150, 150, 3], 'float32');
    run = async () => {
      const y = await faceapi.nets.faceRecognitionNet.forward(img);
      const data = y.dataSync();
      y.dispose();
      return [data];
    };
  } else {
    throw new Error(`unknown model ${name}`);
  }
  let out;
  for (let i = 0; i < 5; i++) out = await run();
  const batches = [], cpu = [];
  for (let r = 0; r < reps; r++) {
    let n = 0;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let t1 = t0;
    while (Number(t1 - t0) / 1e6 < minMs) {
      out = await run();
      n++;
      t1 = process.hrtime.bigint();
    }
    const c = process.cpuUsage(c0);
    batches.push(Number(t1 - t0) / 1e6 / n);
    cpu.push((c.user + c.system) / 1e3 / n);
  }
  fs.writeFileSync(outFile, Buffer.concat(out.map((d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength))));
  console.log(JSON.stringify({ runtime: `tfjs ${tf.version.tfjs} ${tf.getBackend()}, threads ${wasm.getThreadsCount ? wasm.getThreadsCount() : '?'}`, ms: batches, cpu }));
}

main().catch((e) => { console.error(e); process.exit(1); });
