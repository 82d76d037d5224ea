// The language of a phrase in rich text: <span lang="es">…</span>, so that
// screen readers pronounce a Spanish name as Spanish. An extension of
// django-prose-editor (Tiptap), loaded through DJANGO_PROSE_EDITOR_EXTENSIONS.
import { gettext, Mark, mergeAttributes, updateAttrsDialog } from "django-prose-editor/editor"

const LANGUAGE_TAG = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/

export const Language = Mark.create({
  name: "language",
  priority: 101, // above bold and italic, so that they do not split a phrase

  addAttributes() {
    return {
      lang: {
        default: null,
        parseHTML: (element) => element.getAttribute("lang"),
        renderHTML: (attributes) => (attributes.lang ? { lang: attributes.lang } : {}),
      },
    }
  },

  parseHTML() {
    return [{ tag: "span[lang]" }]
  },

  renderHTML({ HTMLAttributes }) {
    return ["span", mergeAttributes(HTMLAttributes), 0]
  },

  addMenuItems({ menu, buttons }) {
    menu.defineItem({
      name: "language",
      groups: "marks",
      command(editor) {
        editor.chain().setLanguage().run()
      },
      enabled(editor) {
        return !editor.state.selection.empty || editor.isActive("language")
      },
      button: buttons.material("translate", gettext("Language of the selected words, e.g. es for Spanish")),
      active(editor) {
        return editor.isActive("language")
      },
    })
  },

  addCommands() {
    return {
      setLanguage:
        () =>
        ({ editor }) => {
          const current = editor.getAttributes(this.name)
          const dialog = updateAttrsDialog(
            { lang: { type: "string", title: gettext("Language (e.g. es, pt-BR); empty to remove") } },
            { title: gettext("Language of these words") },
          )
          dialog(editor, { lang: current.lang || "" }).then((attrs) => {
            if (!attrs) return
            const lang = (attrs.lang || "").trim()
            const chain = editor.chain().focus().extendMarkRange(this.name)
            if (!lang) chain.unsetMark(this.name).run()
            else if (LANGUAGE_TAG.test(lang)) chain.setMark(this.name, { lang }).run()
          })
          return true
        },
    }
  },
})
