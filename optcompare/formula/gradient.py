"""Exact gradients: symbolic reverse mode over a formula's tree."""

from __future__ import annotations

from optcompare.formula.functions import FUNCTIONS
from optcompare.formula.tree import Builder, Node, postorder


def differentiate(b: Builder, root: Node, dim: int) -> tuple[Node, ...]:
    """d root / d x_i for every i: symbolic reverse mode, one pass over the tree.

    Each node's adjoint (d root / d node) is pushed to its operands times the
    local partial derivative; operands that hold no variable get nothing, so
    an undefined partial of a constant (log of a negative number) never shows.
    """
    order = postorder([root])
    varying: set[int] = set()
    for node in order:
        if node.op == "var" or any(id(a) in varying for a in node.args):
            varying.add(id(node))
    adjoint: dict[int, Node] = {id(root): b.num(1.0)}
    by_index: dict[int, Node] = {}

    def push(operand: Node, amount: Node) -> None:
        if id(operand) in varying:
            old = adjoint.get(id(operand))
            adjoint[id(operand)] = amount if old is None else b.add(old, amount)

    for node in reversed(order):
        a = adjoint.get(id(node))
        if a is None or id(node) not in varying:
            continue
        op, args = node.op, node.args
        if op == "var":
            by_index[int(node.value)] = a
        elif op == "neg":
            push(args[0], b.neg(a))
        elif op == "add":
            push(args[0], a)
            push(args[1], a)
        elif op == "sub":
            push(args[0], a)
            push(args[1], b.neg(a))
        elif op == "mul":
            push(args[0], b.mul(a, args[1]))
            push(args[1], b.mul(args[0], a))
        elif op == "div":
            u, v = args
            push(u, b.div(a, v))
            if id(v) in varying:
                push(v, b.neg(b.mul(a, b.div(node, v))))  # -a * (u/v) / v
        elif op == "pow":
            u, v = args
            if id(u) in varying:  # v * u**(v-1)
                push(u, b.mul(a, b.mul(v, b.pow(u, b.sub(v, b.num(1.0))))))
            if id(v) in varying:  # u**v * log(u)
                push(v, b.mul(a, b.mul(node, b.call("log", u))))
        else:
            (u,) = args
            push(u, b.times(a, FUNCTIONS[op].derivative(b, u, node)))
    zero = b.num(0.0)
    return tuple(by_index.get(i, zero) for i in range(dim))
