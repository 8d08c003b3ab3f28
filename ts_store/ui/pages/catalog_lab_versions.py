"""Saved drafts of the catalogue lab: name, save, reopen and duplicate (docs/catalog-lab.md).

A draft is stored as a catalogue version in status draft through the use cases of
`billing.catalog_versions` (docs/pricing-lab.md); the form itself lives in `DraftState`. Every
handler checks the role (the use cases check it again) and its arguments.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from ts_store.billing import catalog_lab, catalog_versions
from ts_store.billing.errors import UseCaseError
from ts_store.ui.components.layout import error_callout
from ts_store.ui.formatting import format_date, format_datetime
from ts_store.ui.messages import message_for
from ts_store.ui.pages.catalog_lab_draft import DraftState
from ts_store.ui.product_team import product_team_member_id

MAX_NAME = catalog_versions.MAX_NAME_CHARS
MAX_NOTE = catalog_versions.MAX_NOTE_CHARS


@dataclasses.dataclass
class VersionRow:
    """A saved catalogue version in the list: drafts of every member, and published ones."""

    id: int = 0
    name: str = ""
    status_label: str = ""
    author: str = ""
    updated: str = ""
    effective_on: str = ""
    editable: bool = False
    in_force: bool = False


def _version_row(view: catalog_versions.VersionView) -> VersionRow:
    return VersionRow(
        id=view.id,
        name=view.name,
        status_label=view.status_label,
        author=view.author_email or "—",
        updated=format_datetime(view.updated_at),
        effective_on=format_date(view.effective_on) if view.effective_on else "—",
        editable=view.editable,
        in_force=view.in_force,
    )


class SavedDraftsState(rx.State):
    # The saved draft being edited (0: not saved yet) and the revision it was read at.
    version_id: int = 0
    revision: int = 0
    draft_name: str = ""
    draft_note: str = ""
    save_message: str = ""
    save_error: str = ""
    versions: list[VersionRow] = []

    @rx.event
    async def load(self):
        actor = await product_team_member_id(self)
        if actor is None:
            self.versions = []
            return
        self._list_versions(actor)

    def _list_versions(self, actor: int) -> None:
        self.versions = [_version_row(view) for view in catalog_versions.list_versions(actor)]

    async def _open(self, view: catalog_versions.VersionView) -> None:
        """Show a version in the form: a draft is edited in place; a published one is only
        read (saving it makes a new draft, since a published version is never edited)."""
        (await self.get_state(DraftState))._show(catalog_lab.form_from_toml(view.content))
        self.version_id = view.id if view.editable else 0
        self.revision = view.revision
        self.draft_name = view.name if view.editable else f"Copia di {view.name}"[:MAX_NAME]
        self.draft_note = view.note
        self.save_error = ""

    @rx.event
    async def set_draft_meta(self, name: str, value: str):
        if await product_team_member_id(self) is None or not isinstance(value, str):
            return
        if name == "name":
            self.draft_name = value[:MAX_NAME]
        elif name == "note":
            self.draft_note = value[:MAX_NOTE]

    @rx.event
    async def save_draft(self):
        """Save the form as a named draft (a new one, or the open one at its revision)."""
        actor = await product_team_member_id(self)
        if actor is None:
            return
        draft = await self.get_state(DraftState)
        catalog = draft.draft_catalog()
        if catalog is None:
            draft._check()
            self.save_error, self.save_message = "Correggi la bozza prima di salvarla.", ""
            return
        content = catalog_lab.toml_of(catalog)
        try:
            if self.version_id:
                view = catalog_versions.save_draft(
                    actor, self.version_id, self.revision, self.draft_name, self.draft_note, content
                )
            else:
                view = catalog_versions.create_draft(
                    actor, self.draft_name, self.draft_note, content
                )
        except UseCaseError as error:
            self.save_error, self.save_message = message_for(error), ""
            return
        self.version_id, self.revision = view.id, view.revision
        self.save_error = ""
        self.save_message = f"Bozza «{view.name}» salvata ({format_datetime(view.updated_at)})."
        self._list_versions(actor)

    @rx.event
    async def open_version(self, version_id: int):
        actor = await product_team_member_id(self)
        if actor is None or isinstance(version_id, bool) or not isinstance(version_id, int):
            return
        try:
            view = catalog_versions.get_version(actor, version_id)
            await self._open(view)
        except UseCaseError as error:
            self.save_error = message_for(error)
            return
        self.save_message = f"Aperta: «{view.name}» ({view.status_label})."

    @rx.event
    async def duplicate_version(self, version_id: int):
        actor = await product_team_member_id(self)
        if actor is None or isinstance(version_id, bool) or not isinstance(version_id, int):
            return
        try:
            view = catalog_versions.duplicate(actor, version_id)
            await self._open(view)
        except UseCaseError as error:
            self.save_error = message_for(error)
            return
        self.save_message = f"Creata la bozza «{view.name}»."
        self._list_versions(actor)

    @rx.event
    async def new_draft(self):
        """A new, unsaved draft from the published catalogue."""
        if await product_team_member_id(self) is not None:
            (await self.get_state(DraftState))._show(catalog_lab.published_form())
            self.version_id = self.revision = 0
            self.draft_name = self.draft_note = self.save_message = self.save_error = ""


def saved_drafts() -> rx.Component:
    return rx.vstack(
        rx.grid(
            rx.vstack(
                rx.el.label(
                    "Nome della bozza", html_for="draft-name", font_size="var(--font-size-1)"
                ),
                rx.input(
                    value=SavedDraftsState.draft_name,
                    on_change=lambda value: SavedDraftsState.set_draft_meta("name", value),
                    id="draft-name",
                    placeholder="Ad esempio: Pro a 27 €",
                    width="100%",
                ),
                spacing="1",
                width="100%",
            ),
            rx.vstack(
                rx.el.label("Nota", html_for="draft-note", font_size="var(--font-size-1)"),
                rx.input(
                    value=SavedDraftsState.draft_note,
                    on_change=lambda value: SavedDraftsState.set_draft_meta("note", value),
                    id="draft-note",
                    width="100%",
                ),
                spacing="1",
                width="100%",
            ),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        rx.hstack(
            rx.button(
                rx.icon("save", size=16),
                rx.cond(
                    SavedDraftsState.version_id == 0, "Salva come nuova bozza", "Salva la bozza"
                ),
                on_click=SavedDraftsState.save_draft,
                id="draft-save",
            ),
            rx.button(
                "Nuova bozza", on_click=SavedDraftsState.new_draft, variant="soft", id="draft-new"
            ),
            wrap="wrap",
            spacing="2",
        ),
        rx.cond(
            SavedDraftsState.save_error != "",
            error_callout(SavedDraftsState.save_error, "draft-save-error"),
        ),
        rx.cond(
            SavedDraftsState.save_message != "",
            rx.text(
                SavedDraftsState.save_message, size="2", color_scheme="green", id="draft-saved"
            ),
        ),
        rx.el.details(
            rx.el.summary("Bozze e versioni salvate"),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            *[
                                rx.table.column_header_cell(label)
                                for label in (
                                    "Nome",
                                    "Stato",
                                    "Autore",
                                    "Modificata",
                                    "In vigore dal",
                                    "",
                                )
                            ]
                        )
                    ),
                    rx.table.body(
                        rx.foreach(
                            SavedDraftsState.versions,
                            lambda row: rx.table.row(
                                rx.table.row_header_cell(row.name),
                                rx.table.cell(
                                    rx.badge(
                                        row.status_label,
                                        color_scheme=rx.cond(row.in_force, "green", "gray"),
                                    )
                                ),
                                rx.table.cell(row.author),
                                rx.table.cell(row.updated),
                                rx.table.cell(row.effective_on),
                                rx.table.cell(
                                    rx.hstack(
                                        rx.button(
                                            "Apri",
                                            size="1",
                                            variant="soft",
                                            on_click=SavedDraftsState.open_version(row.id),
                                        ),
                                        rx.button(
                                            "Duplica",
                                            size="1",
                                            variant="outline",
                                            on_click=SavedDraftsState.duplicate_version(row.id),
                                        ),
                                        spacing="2",
                                    )
                                ),
                                class_name="draft-version",
                            ),
                        )
                    ),
                    size="1",
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
                max_width="100%",
                padding_top="0.5rem",
            ),
            width="100%",
        ),
        spacing="2",
        width="100%",
        min_width="0",
    )
