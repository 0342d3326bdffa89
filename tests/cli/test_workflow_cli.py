from workflows import TRANSITIONS


def test_workflow_diagram_prints_mermaid_and_graphviz(runner):
    mermaid = runner.invoke(args=["workflow", "diagram"])
    assert mermaid.exit_code == 0
    assert mermaid.output.startswith("stateDiagram-v2")
    assert all(t.name in mermaid.output for t in TRANSITIONS)
    dot = runner.invoke(args=["workflow", "diagram", "--format", "graphviz"])
    assert dot.exit_code == 0
    assert dot.output.startswith("digraph lifecycle {")
