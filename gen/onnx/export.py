#!/usr/bin/python3
"""export.py GRAPH.json WEIGHTS.bin OUT.onnx

Builds an ONNX model (opset 13) from the layer graph that gen/onnx (main.go)
dumps from one of facecluster's model files. Run it with Debian's Python and
python3-onnx + python3-numpy; main.go does. See main.go for the mapping.
"""
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main(graph_path, bin_path, out_path):
    with open(graph_path) as f:
        g = json.load(f)
    weights = np.fromfile(bin_path, dtype="<f4")

    def tensor(i):
        t = g["tensors"][i]
        n = int(np.prod(t["shape"]))
        return weights[t["offset"]:t["offset"] + n].reshape(t["shape"])

    values = g["values"]
    nodes, inits = [], []
    counter = [0]

    def fresh(base):
        counter[0] += 1
        return "%s__%d" % (base, counter[0])

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op, ins, name, **attrs):
        nodes.append(helper.make_node(op, ins, [name], name=name, **attrs))
        return name

    def activate(x, act, base):
        if act == "relu":
            return node("Relu", [x], fresh(base + "/relu"))
        if act == "relu6":
            if not any(t.name == "clip_lo" for t in inits):
                const("clip_lo", np.array(0, np.float32))
                const("clip_hi", np.array(6, np.float32))
            return node("Clip", [x, "clip_lo", "clip_hi"], fresh(base + "/relu6"))
        assert act == "none", act
        return x

    # name[v]: the ONNX tensor of value v; NCHW for rank-4 values.
    name = {}
    graph_inputs = []
    for v in g["inputs"]:
        val = values[v]
        graph_inputs.append(helper.make_tensor_value_info(val["name"], TensorProto.FLOAT, val["shape"]))
        if len(val["shape"]) == 4:
            name[v] = node("Transpose", [val["name"]], fresh(val["name"] + "/nchw"), perm=[0, 3, 1, 2])
        else:
            name[v] = val["name"]

    def nhwc(v):
        """The value as an NHWC (or rank < 4) tensor."""
        if len(values[v]["shape"]) == 4:
            return node("Transpose", [name[v]], fresh(values[v]["name"] + "/nhwc"), perm=[0, 2, 3, 1])
        return name[v]

    for l in g["layers"]:
        op, base, ins, out = l["op"], l["name"], l["in"], l["out"]
        top, bottom, left, right, front, back = l["pads"]
        if op in ("Conv2D", "DepthwiseConv2D"):
            w = tensor(l["weights"])
            if op == "Conv2D":
                w = w.transpose(3, 2, 0, 1)  # HWIO -> OIHW
                group = 1
            else:
                c = w.shape[2]
                w = w.transpose(2, 0, 1).reshape(c, 1, w.shape[0], w.shape[1])
                group = c
            cins = [name[ins[0]], const(base + "/W", w.astype(np.float32))]
            if l["bias"] >= 0:
                cins.append(const(base + "/B", tensor(l["bias"])))
            y = node("Conv", cins, fresh(base), kernel_shape=[l["kh"], l["kw"]],
                     strides=[l["sh"], l["sw"]], pads=[top, left, bottom, right], group=group)
            if len(ins) == 2:
                y = node("Add", [y, name[ins[1]]], fresh(base + "/res"))
            y = activate(y, l["act"], base)
        elif op in ("MaxPool", "AvgPool"):
            attrs = dict(kernel_shape=[l["kh"], l["kw"]], strides=[l["sh"], l["sw"]],
                         pads=[top, left, bottom, right])
            if op == "AvgPool":
                attrs["count_include_pad"] = 0
            y = node(op.replace("Avg", "Average"), [name[ins[0]]], fresh(base), **attrs)
        elif op == "Pad":
            pads = const(base + "/pads", np.array([0, front, top, left, 0, back, bottom, right], np.int64))
            y = node("Pad", [name[ins[0]], pads], fresh(base), mode="constant")
        elif op == "Add":
            y = node("Add", [name[ins[0]], name[ins[1]]], fresh(base))
            y = activate(y, l["act"], base)
        elif op == "Mean":
            p = node("GlobalAveragePool", [name[ins[0]]], fresh(base))
            shape = const(base + "/shape", np.array(values[out]["shape"], np.int64))
            y = node("Reshape", [p, shape], fresh(base + "/flat"))
        elif op == "MatMul":
            y = node("MatMul", [name[ins[0]], const(base + "/W", tensor(l["weights"]))], fresh(base))
            if l["bias"] >= 0:
                y = node("Add", [y, const(base + "/B", tensor(l["bias"]))], fresh(base + "/bias"))
            y = activate(y, l["act"], base)
        elif op == "Reshape":
            shape = const(base + "/shape", np.array(values[out]["shape"], np.int64))
            y = node("Reshape", [nhwc(ins[0]), shape], fresh(base))
            if len(values[out]["shape"]) == 4:  # back to NCHW
                y = node("Transpose", [y], fresh(base + "/nchw"), perm=[0, 3, 1, 2])
        else:
            raise SystemExit("export.py: unknown op %s" % op)
        name[out] = y

    outputs = []
    for o in g["outputs"]:
        v = o["value"]
        src = nhwc(v)
        nodes.append(helper.make_node("Identity", [src], [o["name"]], name=o["name"]))
        outputs.append(helper.make_tensor_value_info(o["name"], TensorProto.FLOAT, values[v]["shape"]))

    graph = helper.make_graph(nodes, g["name"], graph_inputs, outputs, inits)
    model = helper.make_model(graph, producer_name="facecluster gen/onnx",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, out_path)
    print("wrote %s: %d nodes, %d initializers" % (out_path, len(nodes), len(inits)))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
