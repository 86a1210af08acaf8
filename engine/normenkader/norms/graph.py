"""The norm dependency graph (networkx): exports and transitive look-ups.

Evaluation order comes from the standard library's graphlib (fast start); networkx is
imported here only for ``graph`` and ``explain``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

    from .compiled import NormSet


def build_graph(norm_set: NormSet) -> nx.DiGraph:
    """Edges point from a prerequisite to the norm that requires it."""
    import networkx as nx

    graph = nx.DiGraph()
    for norm in norm_set.norms.values():
        graph.add_node(norm.id, set=norm.set, severity=norm.severity, title=norm.title["en"])
    for norm in norm_set.norms.values():
        for required in norm.requires:
            graph.add_edge(required, norm.id)
    return graph


def prerequisites(norm_set: NormSet, norm_id: str) -> list[str]:
    import networkx as nx

    return sorted(nx.ancestors(build_graph(norm_set), norm_id))


def dependants(norm_set: NormSet, norm_id: str) -> list[str]:
    import networkx as nx

    return sorted(nx.descendants(build_graph(norm_set), norm_id))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(norm_set: NormSet) -> str:
    graph = build_graph(norm_set)
    lines = ["digraph normenkader {", "  rankdir=LR;", "  node [shape=box, fontsize=10];"]
    for node in sorted(graph.nodes):
        data = graph.nodes[node]
        label = f"{node}\\n{data['title']}"
        lines.append(f"  {_quote(node)} [label={_quote(label)}];")
    for source, target in sorted(graph.edges):
        lines.append(f"  {_quote(source)} -> {_quote(target)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(norm_set: NormSet) -> str:
    graph = build_graph(norm_set)

    def key(node: str) -> str:
        return node.replace(".", "_")

    lines = ["flowchart LR"]
    for node in sorted(graph.nodes):
        title = graph.nodes[node]["title"].replace('"', "'")
        lines.append(f'  {key(node)}["{node}: {title}"]')
    for source, target in sorted(graph.edges):
        lines.append(f"  {key(source)} --> {key(target)}")
    return "\n".join(lines) + "\n"


def to_json(norm_set: NormSet) -> str:
    graph = build_graph(norm_set)
    data: dict[str, Any] = {
        "nodes": [{"id": node, **graph.nodes[node]} for node in sorted(graph.nodes)],
        "edges": [{"from": s, "to": t} for s, t in sorted(graph.edges)],
    }
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
