// What the three editors share (docs/workspace.md "Editing"): the page's data, saving with the draft's
// revision (409 → banner, the user's edits offered as a download, never dropped), the problems list.
export const data = JSON.parse(document.getElementById("editor-data").textContent);

const $ = id => document.getElementById(id);

export function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

function download(filename, text) {
  const url = URL.createObjectURL(new Blob([text], {type: "application/octet-stream"}));
  const a = document.createElement("a");
  a.href = url; a.download = filename; document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// getContent(): Promise<string> (the file's text) or throws an Error whose message the page shows.
export function setupSaving({getContent, onSaved}) {
  let revision = data.revision, dirty = false, busy = false;
  const state = $("save-state"), button = $("save-file"), error = $("save-error");
  const say = text => { state.textContent = text; };
  const api = {
    markDirty() { if (!dirty) { dirty = true; say("有未保存的修改"); document.body.dataset.dirty = "true"; } },
    get revision() { return revision; },
    async save() {
      if (busy || !data.editable) return;
      error.hidden = true;
      let content;
      try { content = await getContent(); } catch (err) { error.textContent = err.message; error.hidden = false; return; }
      busy = true; say("正在保存…");
      try {
        const answer = await fetch(data.save_url, {method: "PUT", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": data.csrf},
          body: JSON.stringify({content, revision})});
        const body = await answer.json().catch(() => ({}));
        if (answer.status === 409) {
          $("conflict-banner").hidden = false;
          $("download-edits").onclick = () => download(data.filename, content);
          say("未保存");
          return;
        }
        if (!answer.ok) { error.textContent = body.title || ("保存失败（" + answer.status + "）"); error.hidden = false; say("未保存"); return; }
        revision = body.revision; dirty = false; delete document.body.dataset.dirty;
        $("draft-revision").textContent = revision;
        say("已保存（草稿版本 " + revision + "）");
        document.body.dataset.saved = String(revision);
        onSaved && onSaved(body);
      } catch (err) {
        error.textContent = "保存失败：" + err.message; error.hidden = false; say("未保存");
      } finally { busy = false; }
    },
  };
  if (button) button.addEventListener("click", () => api.save());
  $("reload-editor").addEventListener("click", () => {
    if (!dirty || confirm("重新打开将丢弃本页未保存的修改（请先下载）。继续？")) { dirty = false; location.reload(); }
  });
  document.addEventListener("keydown", e => {
    if ((e.ctrlKey || e.metaKey) && e.key === "s") { e.preventDefault(); api.save(); }
  });
  window.addEventListener("beforeunload", e => { if (dirty) { e.preventDefault(); e.returnValue = ""; } });
  return api;
}

// The draft's problems: this file's first (clickable when they name an element), then the other files'.
export function renderProblems(problems, {onSelect} = {}) {
  const list = $("problem-list");
  const mine = problems.filter(p => p.file === data.filename), others = problems.filter(p => p.file !== data.filename);
  $("problem-count").textContent = problems.length ? String(problems.length) : "";
  $("no-problems").hidden = problems.length > 0;
  list.innerHTML = "";
  for (const p of [...mine, ...others]) {
    const li = document.createElement("li");
    li.className = "problem " + (p.severity || "error");
    if (p.element) li.dataset.element = p.element;
    const where = p.file === data.filename ? (p.element ? p.element : (p.line ? "第" + p.line + "行" : ""))
      : (p.file || "");
    li.innerHTML = '<span class="where">' + escapeHtml(where) + "</span> " + escapeHtml(p.message_zh || p.message);
    li.title = p.message || "";
    if (p.file === data.filename && p.element && onSelect) {
      li.tabIndex = 0; li.classList.add("clickable");
      li.addEventListener("click", () => onSelect(p.element));
      li.addEventListener("keydown", e => { if (e.key === "Enter") onSelect(p.element); });
    } else if (p.file && p.file !== data.filename) {
      const a = document.createElement("a");
      a.href = "/drafts/" + data.draft_id + "/edit/" + encodeURIComponent(p.file);
      a.textContent = "打开"; a.className = "small";
      li.append(" ", a);
    }
    list.appendChild(li);
  }
  return mine;
}
