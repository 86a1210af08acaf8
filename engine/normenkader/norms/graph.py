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


def build_graph(norm_set: NormSet, lang: str = "en") -> nx.DiGraph:
    """Edges point from a prerequisite to the norm that requires it (``type: requires``)
    and from an answered norm to the norm that answers it (``type: answers``)."""
    import networkx as nx

    graph = nx.DiGraph()
    for norm in norm_set.norms.values():
        title = norm.title.get(lang) or norm.title["en"]
        graph.add_node(norm.id, set=norm.set, severity=norm.severity, title=title)
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
    """A DOT quoted string; a newline becomes DOT's line-break escape ``\\n`` (one
    backslash in the output), every other backslash and quote is escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "").replace("\n", "\\n") + '"'


def _wrap(text: str, width: int = 32) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def to_dot(norm_set: NormSet, lang: str = "en") -> str:
    """DOT with one cluster per norm set (``DISC``, ``PRIV``, ...): the graph reads as
    columns of related norms instead of one long column."""
    graph = build_graph(norm_set, lang)
    lines = [
        "digraph normenkader {",
        "  rankdir=LR;",
        "  newrank=true;",
        "  node [shape=box, fontsize=10];",
    ]
    by_set: dict[str, list[str]] = {}
    for node in sorted(graph.nodes):
        by_set.setdefault(str(graph.nodes[node]["set"]), []).append(node)
    for set_name, nodes in sorted(by_set.items()):
        lines.append(f"  subgraph {_quote('cluster_' + set_name)} {{")
        lines.append(f'    label={_quote(set_name)}; style=rounded; color="#9e9e9e";')
        for node in nodes:
            label = f"{node}\n{_wrap(str(graph.nodes[node]['title']))}"
            lines.append(f"    {_quote(node)} [label={_quote(label)}];")
        lines.append("  }")
    for source, target in sorted(graph.edges):
        if graph.edges[source, target]["type"] == ANSWERS:
            style = ' [style=dashed, color="#01579b", label="answers", fontsize=9]'
        else:
            style = ""
        lines.append(f"  {_quote(source)} -> {_quote(target)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(norm_set: NormSet, lang: str = "en") -> str:
    graph = build_graph(norm_set, lang)

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


def to_json(norm_set: NormSet, lang: str = "en") -> str:
    graph = build_graph(norm_set, lang)
    data: dict[str, Any] = {
        "nodes": [{"id": node, **graph.nodes[node]} for node in sorted(graph.nodes)],
        "edges": [
            {"from": s, "to": t, "type": graph.edges[s, t]["type"]} for s, t in sorted(graph.edges)
        ],
    }
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
