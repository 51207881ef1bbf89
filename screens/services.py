"""Services: the recipes found on both nodes, as a checklist, with what each moves and what to watch out for."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from textual import work
from textual.binding import Binding
from textual.content import Content
from textual.widget import Widget
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from screens.base import WizardScreen
from screens.looks import line


class ServicesScreen(WizardScreen):
    NAME = "services"
    HELP = (
        "Tutorial 'Preparing Your Services': each service's configuration and data move onto the replicated "
        "disk and are linked back (/etc/mail -> /replicated/etc/mail) on both servers, so the slave starts the "
        "same service with the same data after a failover.\n\n"
        "The list shows the services installed on both servers (space ticks one). For each: the folders it "
        "moves, their size, and warnings: a service that runs now is stopped for the move; both servers need "
        "the same version; the disk needs room for all of them.\n\n"
        "On apply, each ticked service asks for your consent (its name; headless --confirm NAME), is copied "
        "and checked file by file before anything is replaced, keeps its originals as PATH.ha-wizard-orig, "
        "stops starting at boot (Heartbeat starts it) and is started again from the disk. "
        "`ha-wizard undo-services` puts it back. F5 reads the servers again."
    )
    BINDINGS = [*WizardScreen.BINDINGS, Binding("f5", "refresh", "Read again")]

    def body(self) -> Iterable[Widget]:
        yield Static(line("Services on the replicated disk", "bold"), classes="title")
        yield Static(line("Tick the services to move; space ticks, the highlighted one is shown below.",
                          "$text-muted"))
        yield SelectionList[str](id="recipes")
        yield Static(id="chosen")  # the ticks in words: a monochrome terminal shows every box alike
        yield Static(id="svc-status")
        yield Static(id="detail")

    def load(self) -> None:
        table = self.st.fresh("services")
        if table is not None:
            self.show_table(table)
        else:
            self.show_table(None)
            self.action_refresh()

    def focus_first_empty(self, *, discovered: Collection[str] | None = None) -> None:
        """The checklist has the cursor on entry: the intro's "space ticks" must work without a Tab first."""
        self.query_one("#recipes", SelectionList).focus()

    def action_refresh(self) -> None:
        self.say("#svc-status", "Reading the services on both servers (read-only) …", "$text-muted")
        self.gather()

    @work(thread=True, exclusive=True, group="facts")
    def gather(self) -> None:  # the checklist still works from the answers when this fails
        self.read_fact("services", self.wapp.core.services, show=self.show_table,
                       fail=lambda e: self.say("#svc-status", f"services not read: {e}", "$text-warning"))

    # --- the list -----------------------------------------------------------------------------------------
    def enabled(self) -> list[str]:
        return [str(r) for r in self.st.raw["recipes"].get("enabled") or []]

    def show_table(self, table: Any) -> None:
        chosen = self.enabled()
        box = self.query_one("#recipes", SelectionList)
        box.clear_options()
        if table is None:
            from wizard.services.recipes import known_recipes

            names = list(dict.fromkeys([*chosen, *known_recipes()]))
            box.add_options([Selection(n, n, n in chosen) for n in names])
            return
        rows = [r for r in table.rows if r.available or r.name in chosen or r.state == "not checked"]
        width = max((len(r.name) for r in rows), default=8)
        box.add_options([Selection(self.label(r, width), r.name, r.name in chosen) for r in rows])
        if rows:
            box.highlighted = 0
        others = [f"{r.name} ({r.state})" for r in table.rows if r not in rows]
        notes = [table.problem] if table.problem else []
        if others:
            notes.append("Not installed on both: " + ", ".join(others))
        self.say("#svc-status", "\n".join(notes), "$text-muted")
        self.show_detail()

    @staticmethod
    def label(row: Any, width: int) -> str:
        from wizard.services.table import human

        size = human(row.kib) if row.kib is not None else "?"
        text = f"{row.name:<{width}}  {size:>9}  {', '.join(row.moves)}"
        return text if len(text) <= 66 else text[:65] + "…"

    def on_selection_list_selection_highlighted(self, event: SelectionList.SelectionHighlighted) -> None:
        self.show_detail()

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        table = self.st.fresh("services")
        box = self.query_one("#recipes", SelectionList)
        picked = [str(v) for v in box.selected]
        self.say("#chosen", f"Chosen: {', '.join(picked)}" if picked else "Chosen: none (Heartbeat then moves the "
                 "disk and the address only)", "bold" if picked else "$text-muted")
        if table is None or box.highlighted is None:
            self.say("#detail", "")
            return
        name = str(box.get_option_at_index(box.highlighted).value)
        row = table.row(name)
        if row is None:
            self.say("#detail", "")
            return
        lines = [line(f"{row.name}: {row.description} ({row.state})", "bold")]
        lines += [line(f"⚠ {w}", "$text-warning") for w in row.warnings]
        space = [w for w in table.warnings_for([str(v) for v in box.selected]) if w.startswith("too little")]
        lines += [line(f"⚠ {w}", "$text-error") for w in space]
        self.say("#detail", Content("\n").join(lines))

    def save(self) -> None:
        box = self.query_one("#recipes", SelectionList)
        shown = {str(box.get_option_at_index(i).value) for i in range(box.option_count)}
        picked = [str(v) for v in box.selected]
        # keep the answers' order; names not in the list (not installed, unknown) are kept as they were
        kept = [n for n in self.enabled() if n not in shown or n in picked]
        self.st.raw["recipes"]["enabled"] = kept + [n for n in picked if n not in kept]

    def prefixes(self) -> list[str]:
        return ["recipes.", "custom"]
