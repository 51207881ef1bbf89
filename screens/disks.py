"""Disks: both nodes' partitions from `fdisk -l`, the equal-size pairing, warnings and the usable size."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import work
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, Select, Static

from screens.base import WizardScreen
from screens.looks import line

ROLES = ("master", "peer")


class DisksScreen(WizardScreen):
    NAME = "disks"
    HELP = (
        "DRBD mirrors one partition of the master onto an equal-sized partition of the slave (tutorial: "
        "\"create an equal-sized partition on both machines\"; `fdisk -l` lists them).\n\n"
        "Pick a row and press Enter to use it for its server, or type the partition path. Partitions of "
        "equal size on both servers are listed as pairs.\n\n"
        "Warnings: a partition in use (mounted or swap) must not be used; a filesystem on it is "
        "overwritten; when sizes differ DRBD uses the smaller. The usable size is what the replicated disk "
        "offers once DRBD keeps its meta-data at the end.\n\n"
        "The mount point (/replicated in the tutorial) gets a 'noauto' fstab line on both servers; the "
        "filesystem is made once, on the master, after the first sync. F5 reads the partitions again."
    )
    BINDINGS = [*WizardScreen.BINDINGS, Binding("f5", "refresh", "Read again")]

    def body(self) -> Iterable[Widget]:
        yield Static(line("The partition DRBD mirrors, on each server", "bold"), classes="title")
        yield Static(line("Its contents are overwritten. Enter on a row picks it.", "$text-muted"))
        yield DataTable(id="parts", cursor_type="row", zebra_stripes=True)
        yield Static(id="facts-status")
        for role in ROLES:
            with Horizontal(classes="row"):
                yield Label("", id=f"label-{role}", classes="label")
                yield Input(id=f"disk-{role}", placeholder="/dev/sda5", classes="wide-input")
        with Horizontal(classes="row"):
            yield Label("Mount point", classes="label")
            yield Input(id="mount", placeholder="/replicated", classes="short-input")
            yield Label("filesystem", classes="label-short")
            yield Select([(f, f) for f in ("ext3", "ext4", "xfs")], id="fs", allow_blank=False)
        yield Static(id="assessment")

    def on_mount(self) -> None:
        t = self.query_one("#parts", DataTable)
        t.add_columns("Server", "Partition", "Size", "Type", "Found")

    def load(self) -> None:
        st = self.st
        for role in ROLES:
            n = st.node(role)
            self.query_one(f"#label-{role}", Label).update(f"{n.get('name') or role} disk")
            self.set_value(f"#disk-{role}", n.get("disk"))
        self.set_value("#mount", st.raw["storage"].get("mount_point"))
        fs = st.raw["storage"].get("filesystem")
        if fs in ("ext3", "ext4", "xfs"):
            self.query_one("#fs", Select).value = fs
        table = st.fresh("disks")
        if table is not None:
            self.show_table(table)
        else:
            self.action_refresh()

    def action_refresh(self) -> None:
        self.say("#facts-status", "Reading the partitions (fdisk -l, read-only) …", "$text-muted")
        self.gather()

    @work(thread=True, exclusive=True, group="facts")
    def gather(self) -> None:  # the screen keeps working with typed paths when this fails
        self.gather_fact("disks", self.wapp.core.disks, "#facts-status", "partitions unknown", self.show_table)

    def show_table(self, table: Any) -> None:
        from wizard.disks.table import human

        t = self.query_one("#parts", DataTable)
        t.clear()
        notes = []
        for role, nd in zip(ROLES, table.nodes, strict=False):
            if nd.problem:
                notes.append(nd.problem)
            for r in nd.rows:
                found = r.in_use or (f"{r.filesystem} filesystem" if r.filesystem else "free")
                t.add_row(nd.node, r.device, human(r.size_bytes), r.type, found, key=f"{role}|{r.device}")
        pairs = [f"{a.device} ↔ {b.device} ({human(a.size_bytes)})" for a, b in table.pairs()]
        if pairs:
            notes.append("Equal-size pairs: " + ", ".join(pairs[:4]))
        self.say("#facts-status", "\n".join(notes) or "", "$text-muted")
        t.display = t.row_count > 0
        self.assess()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        role, dev = str(event.row_key.value).split("|", 1)
        self.set_value(f"#disk-{role}", dev)
        self.assess()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id and event.input.id.startswith("disk-"):
            self.assess()

    def assess(self) -> None:
        table = self.st.fresh("disks")
        if table is None:
            self.say("#assessment", "")
            return
        from wizard.disks.table import assess

        names = [nd.node for nd in table.nodes]
        choice = {names[i]: self.value(f"#disk-{role}") for i, role in enumerate(ROLES) if i < len(names)}
        a = assess(table, choice)
        text = [line(f"⚠ {w}", "$text-warning") for w in a.warnings] + [line(a.summary, "bold")]
        from textual.content import Content

        self.say("#assessment", Content("\n").join(text))

    def save(self) -> None:
        st = self.st
        for role in ROLES:
            st.node(role)["disk"] = self.value(f"#disk-{role}")
        st.raw["storage"]["mount_point"] = self.value("#mount")
        fs = self.query_one("#fs", Select).value
        if isinstance(fs, str):
            st.raw["storage"]["filesystem"] = fs

    def prefixes(self) -> list[str]:
        return [f"nodes[{self.st.number(r)}].disk" for r in ROLES] + ["storage."]
