"""The order in which Keras lists a functional model's layers, and each node's depth.

Keras 3 (``keras.src.ops.function.map_graph``) orders a model's operations by *depth*, the longest path from the
operation to an output, deepest first (the inputs), and operations of equal depth by when a depth-first walk from
the outputs (each output in turn, each node's inputs in argument order) first reached them. ``model.layers``,
``get_weights()``, ``summary()`` and the ``layers/<key>`` groups of a ``.keras`` file all follow this order, so a
model must list its layers the same way for weights to land in the right layer when files cross over. The order
depends only on the graph's connections, never on the order in which the layers were created.

A node's depth is the largest depth of the nodes that read its outputs plus one; an operation's depth is the
largest depth of its nodes in this graph. Inputs that no output depends on still count, at depth 0.
"""

from __future__ import annotations

from typing import Any

from ..layers.symbolic import Node


def _depth_first(output_tensors: list[Any]) -> tuple[list[Node], dict[int, int]]:
    """Nodes from the inputs to the outputs (post-order of the walk) and each operation's first-visit index."""
    finished: set[int] = set()
    post_order: list[Node] = []
    first_visit: dict[int, int] = {}
    for output in output_tensors:
        stack: list[tuple[Any, bool]] = [(output, False)]
        while stack:
            item, expanded = stack.pop()
            if expanded:  # every input of this node is done
                finished.add(id(item))
                post_order.append(item)
                continue
            operation, node_index, _ = item._keras_history
            node = operation._inbound_nodes[node_index]
            if id(node) in finished:
                continue
            first_visit.setdefault(id(operation), len(first_visit))
            stack.append((node, True))
            # Pushed in reverse so that the first input is walked first, as Keras's recursion does.
            stack.extend((tensor, False) for tensor in reversed(node.input_tensors))
    # A node reached twice before it finished (a diamond) appears twice; keep its first completion.
    seen: set[int] = set()
    unique = [node for node in post_order if not (id(node) in seen or seen.add(id(node)))]
    return unique, first_visit


class GraphLayout:
    """A graph's nodes with their depths, and its operations in Keras's order.

    Attributes:
        nodes: {id(node): node} of every node in the graph, Inputs included. depths: {id(node): depth}.
        operations: each operation once, deepest first, ties in the order the walk first reached them.
    """

    def __init__(self, input_tensors: list[Any], output_tensors: list[Any]):
        walked, first_visit = _depth_first(output_tensors)
        self.nodes: dict[int, Node] = {id(node): node for node in walked}
        self.depths: dict[int, int] = {}
        operation_depths: dict[int, int] = {}
        operations: dict[int, Any] = {}
        for node in reversed(walked):
            operation = node.operation
            depth = max(self.depths.setdefault(id(node), 0), operation_depths.get(id(operation), 0))
            operation_depths[id(operation)] = depth
            operations[id(operation)] = operation
            self.depths[id(node)] = depth
            for parent in node.parent_nodes:
                if id(parent) in self.nodes:
                    self.depths[id(parent)] = max(depth + 1, self.depths.get(id(parent), 0))
        for tensor in input_tensors:  # inputs no output depends on
            operation = tensor._keras_history[0]
            if id(operation) not in operation_depths:
                node = operation._inbound_nodes[0]
                operation_depths[id(operation)] = 0
                operations[id(operation)] = operation
                first_visit[id(operation)] = -1
                self.nodes[id(node)] = node
                self.depths[id(node)] = 0
        self.operations: list[Any] = sorted(operations.values(),
                                            key=lambda op: (-operation_depths[id(op)], first_visit[id(op)]))

    def nodes_by_depth(self) -> dict[int, list[Node]]:
        grouped: dict[int, list[Node]] = {}
        for key, depth in self.depths.items():
            grouped.setdefault(depth, []).append(self.nodes[key])
        return grouped


def keras_operation_order(input_tensors: list[Any], output_tensors: list[Any]) -> list[Any]:
    """Each operation (layer or tensor op) of the graph once, in Keras's order (see the module docstring)."""
    return GraphLayout(input_tensors, output_tensors).operations
