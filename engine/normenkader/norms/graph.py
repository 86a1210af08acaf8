"""The norm dependency graph (networkx): exports and transitive look-ups.

Two kinds of edge, both pointing the way evaluation runs: ``requires`` (from a prerequisite
to the norm that needs it to pass) and ``answers`` (from a norm to the norm that answers
its finding: a justification, remedy or mitigation). Every export keeps them apart: DOT
draws answer edges dashed and blue, Mermaid as dotted links labelled ``answers``, JSON
gives each edge a ``type``.

Evaluation order comes from the standard library's graphlib (fast start); networkx is
imported here only for ``graph`` and ``explain``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

    from .compiled import NormSet


REQUIRES = "requires"
ANSWERS = "answers"


def build_graph(norm_set: NormSet) -> nx.DiGraph:
    """Edges point from a prerequisite to the norm that requires it (``type: requires``)
    and from an answered norm to the norm that answers it (``type: answers``)."""
    import networkx as nx

    graph = nx.DiGraph()
    for norm in norm_set.norms.values():
        graph.add_node(norm.id, set=norm.set, severity=norm.severity, title=norm.title["en"])
    for norm in norm_set.norms.values():
        for required in norm.requires:
            graph.add_edge(required, norm.id, type=REQUIRES)
        for answered in norm.answers:
            if answered in norm_set.norms:
                graph.add_edge(answered, norm.id, type=ANSWERS)
    return graph


def _requires_only(norm_set: NormSet) -> nx.DiGraph:
    import networkx as nx

    graph = build_graph(norm_set)
    view: nx.DiGraph = nx.subgraph_view(
        graph, filter_edge=lambda a, b: graph.edges[a, b]["type"] == REQUIRES
    )
    return view


def prerequisites(norm_set: NormSet, norm_id: str) -> list[str]:
    """Every norm this one requires, transitively (answer edges are not prerequisites)."""
    import networkx as nx

    return sorted(nx.ancestors(_requires_only(norm_set), norm_id))


def dependants(norm_set: NormSet, norm_id: str) -> list[str]:
    """Every norm that requires this one, transitively."""
    import networkx as nx

    return sorted(nx.descendants(_requires_only(norm_set), norm_id))


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
        if graph.edges[source, target]["type"] == ANSWERS:
            style = ' [style=dashed, color="#01579b", label="answers", fontsize=9]'
        else:
            style = ""
        lines.append(f"  {_quote(source)} -> {_quote(target)}{style};")
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
    answer_links: list[int] = []
    for index, (source, target) in enumerate(sorted(graph.edges)):
        if graph.edges[source, target]["type"] == ANSWERS:
            lines.append(f"  {key(source)} -. answers .-> {key(target)}")
            answer_links.append(index)
        else:
            lines.append(f"  {key(source)} --> {key(target)}")
    if answer_links:
        indices = ",".join(str(i) for i in answer_links)
        lines.append(f"  linkStyle {indices} stroke:#01579b,stroke-dasharray:3 3")
    return "\n".join(lines) + "\n"


def to_json(norm_set: NormSet) -> str:
    graph = build_graph(norm_set)
    data: dict[str, Any] = {
        "nodes": [{"id": node, **graph.nodes[node]} for node in sorted(graph.nodes)],
        "edges": [
            {"from": s, "to": t, "type": graph.edges[s, t]["type"]} for s, t in sorted(graph.edges)
        ],
    }
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
