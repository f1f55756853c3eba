// ort.js times one ONNX model in ONNX Runtime (npm onnxruntime-node, CPU
// execution provider) for bench/cmd/models, which runs it as
//
//   node ort.js MODEL.onnx INPUT.f32 H,W,C THREADS REPS MINMS OUT.f32
//
// INPUT.f32 is the preprocessed NHWC float32 input (little-endian). The
// script warms up, then runs REPS batches of at least MINMS ms each and
// prints one JSON line: the per-run milliseconds of every batch, wall
// clock and process CPU time. It writes
// the outputs, concatenated in the model's output order, to OUT.f32.
// NODE_PATH must reach onnxruntime-node (installed with --ignore-scripts).
'use strict';

const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, inputFile, shapeArg, threadsArg, repsArg, minMsArg, outFile] = process.argv.slice(2);
  const shape = [1, ...shapeArg.split(',').map(Number)];
  const threads = Number(threadsArg), reps = Number(repsArg), minMs = Number(minMsArg);
  const buf = fs.readFileSync(inputFile);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, shape) };
  let out;
  for (let i = 0; i < 10; i++) out = await session.run(feeds);
  const batches = [], cpu = [];
  for (let r = 0; r < reps; r++) {
    let n = 0;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let t1 = t0;
    while (Number(t1 - t0) / 1e6 < minMs) {
      out = await session.run(feeds);
      n++;
      t1 = process.hrtime.bigint();
    }
    const c = process.cpuUsage(c0);
    batches.push(Number(t1 - t0) / 1e6 / n);
    cpu.push((c.user + c.system) / 1e3 / n);
  }
  const parts = session.outputNames.map((k) => Buffer.from(out[k].data.buffer, out[k].data.byteOffset, out[k].data.byteLength));
  fs.writeFileSync(outFile, Buffer.concat(parts));
  console.log(JSON.stringify({ runtime: `onnxruntime-node ${require('onnxruntime-node/package.json').version}`, ms: batches, cpu }));
}

main().catch((e) => { console.error(e); process.exit(1); });
