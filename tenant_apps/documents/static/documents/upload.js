// Drag-and-drop uploads with a progress bar per file, for forms marked data-uploader.
// Each file goes in its own request (XMLHttpRequest: fetch cannot report upload progress),
// one after another, asking for JSON; when they are done, the event named in
// data-refresh-event tells htmx to reload the listing in place. Without this script the form
// is a plain multipart post and still works.
(function () {
  "use strict";

  function formatBytes(bytes) {
    const units = ["bytes", "KB", "MB", "GB", "TB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return (unit ? value.toFixed(1) : value) + "\u00a0" + units[unit];
  }

  function messagesOf(body) {
    // {"errors": {"field": ["message", ...]}} from the view; anything else is unexpected.
    if (body && body.errors) {
      return Object.values(body.errors).flat();
    }
    return ["The upload failed. Please try again."];
  }

  function row(list, file) {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = file.name + " (" + formatBytes(file.size) + ")";
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    const status = document.createElement("span");
    status.className = "status";
    status.textContent = "Waiting…";
    item.append(name, bar, status);
    list.append(item);
    return {
      progress(loaded, total) {
        bar.value = total ? Math.round((loaded / total) * 100) : 0;
        status.textContent = "Uploading… " + bar.value + "%";
      },
      finish(ok, text) {
        bar.value = ok ? 100 : bar.value;
        item.className = ok ? "done" : "failed";
        status.textContent = text;
      },
    };
  }

  function send(form, file, shown) {
    return new Promise((resolve) => {
      const data = new FormData();
      for (const [key, value] of new FormData(form)) {
        if (!(value instanceof File)) {
          data.append(key, value);
        }
      }
      data.append(form.dataset.fileField, file, file.name);
      const request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) {
          shown.progress(event.loaded, event.total);
        }
      });
      request.addEventListener("load", () => {
        let body = null;
        try {
          body = JSON.parse(request.responseText);
        } catch {
          body = null;
        }
        const ok = request.status >= 200 && request.status < 300;
        shown.finish(ok, ok ? "Uploaded." : messagesOf(body).join(" "));
        resolve(ok);
      });
      request.addEventListener("error", () => {
        shown.finish(false, "The connection failed; the file was not uploaded.");
        resolve(false);
      });
      request.send(data);
    });
  }

  async function uploadAll(form, files) {
    const list = form.querySelector("[data-upload-list]");
    const maxBytes = Number(form.dataset.maxBytes);
    const queue = [];
    for (const file of files) {
      const shown = row(list, file);
      if (file.size > maxBytes) {
        // Refused here already; the server would refuse it too.
        shown.finish(false, "“" + file.name + "” is larger than the " + formatBytes(maxBytes) + " limit.");
      } else {
        queue.push([file, shown]);
      }
    }
    let uploaded = 0;
    for (const [file, shown] of queue) {
      if (await send(form, file, shown)) {
        uploaded += 1;
      }
    }
    if (uploaded) {
      document.body.dispatchEvent(new CustomEvent(form.dataset.refreshEvent, { bubbles: true }));
    }
  }

  function setUp(form) {
    const zone = form.querySelector("[data-drop-zone]");
    const input = form.querySelector('input[type="file"]');
    const start = (files) => {
      if (files.length) {
        uploadAll(form, Array.from(files));
      }
    };
    form.addEventListener("submit", (event) => {
      if (!input.files.length) {
        return; // posted as it is: the page says which file is missing
      }
      event.preventDefault();
      start(input.files);
      input.value = "";
    });
    ["dragenter", "dragover"].forEach((name) =>
      zone.addEventListener(name, (event) => {
        event.preventDefault();
        zone.classList.add("dragging");
      }),
    );
    ["dragleave", "drop"].forEach((name) =>
      zone.addEventListener(name, () => zone.classList.remove("dragging")),
    );
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      // A version form takes one file; the first dropped is the new version.
      const dropped = Array.from(event.dataTransfer.files);
      start(input.multiple ? dropped : dropped.slice(0, 1));
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-uploader]").forEach(setUp);
  });
})();
