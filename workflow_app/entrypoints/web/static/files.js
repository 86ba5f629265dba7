// The upload of a form's "files" field (templates/web/files/_file_field.html, docs/files.md "Form fields"):
// the chosen file goes to the case's attachments API and comes back as a ticked checkbox of the field.
(function () {
  if (window.caseflowFileFields) return;
  window.caseflowFileFields = true;
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; }
    catch (e) { return ""; }
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-upload-url]") || !input.files.length) return;
    var field = input.closest(".file-field");
    var status = field.querySelector(".file-field-status");
    var zh = document.documentElement.lang !== "en";
    var body = new FormData();
    body.append("file", input.files[0]);
    body.append("task_id", input.dataset.taskId);
    status.textContent = zh ? "正在上传…" : "Uploading…";
    fetch(input.dataset.uploadUrl, {method: "POST", body: body, credentials: "same-origin",
                                    headers: {"X-CSRF-Token": csrfToken()}})
      .then(function (response) { return response.json().then(function (doc) { return [response.ok, doc]; }); })
      .then(function (answer) {
        var ok = answer[0], doc = answer[1];
        if (!ok) { status.textContent = doc.message || (zh ? "上传失败" : "Upload failed"); return; }
        var list = field.querySelector(".file-choices");
        var empty = list.querySelector(".no-files");
        if (empty) empty.remove();
        var item = document.createElement("li");
        var label = document.createElement("label");
        label.className = "check";
        var box = document.createElement("input");
        box.type = "checkbox"; box.name = input.dataset.field; box.value = String(doc.id); box.checked = true;
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + doc.filename));
        var facts = document.createElement("span");
        facts.className = "small muted";
        facts.textContent = " " + doc.type_label + " · " + doc.sha256.slice(0, 12);
        item.appendChild(label); item.appendChild(facts);
        list.appendChild(item);
        status.textContent = zh ? "已上传并选中" : "Uploaded and selected";
        input.value = "";
      })
      .catch(function () { status.textContent = zh ? "上传失败，请重试" : "Upload failed, try again"; });
  });
})();
