//! Uploading a file over HTTP with progress and cancel: `XMLHttpRequest`, because `fetch`
//! reports no upload progress. The tray (`crate::upload_tray`) holds the state; this module
//! holds the browser objects that cannot live in a signal (the `File`, the request).

use std::cell::RefCell;
use std::collections::HashMap;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{File, FormData, ProgressEvent, XmlHttpRequest};

use crate::attachments::{Attachment, UPLOAD_PATH};
use crate::upload_tray::{Tray, UploadKey};

thread_local! {
    /// Each upload's file (kept for a retry) and its request while it runs.
    static FILES: RefCell<HashMap<UploadKey, File>> = RefCell::new(HashMap::new());
    static REQUESTS: RefCell<HashMap<UploadKey, XmlHttpRequest>> = RefCell::new(HashMap::new());
}

/// Put files the person chose (button, drop or paste) in the tray and start what may start.
pub fn add(tray: RwSignal<Tray>, files: Vec<File>, limit: u64) {
    for file in files {
        let size = file.size() as u64;
        let name = if file.name().is_empty() { "pasted image".to_owned() } else { file.name() };
        let key = tray.try_update(|t| t.add(name, size, limit)).unwrap_or_default();
        FILES.with(|f| f.borrow_mut().insert(key, file));
    }
    pump(tray);
}

/// The files of a `FileList` (from an input, a drop or a paste).
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Start the uploads the tray says may start.
pub fn pump(tray: RwSignal<Tray>) {
    for key in tray.try_update(Tray::start_next).unwrap_or_default() {
        let file = FILES.with(|f| f.borrow().get(&key).cloned());
        match file.map(|file| send(tray, key, &file)) {
            Some(Ok(())) => {}
            _ => tray.update(|t| t.failed(key, "the browser could not send the file".to_owned(), false)),
        }
    }
}

/// Stop an upload (if running) and forget it.
pub fn cancel(tray: RwSignal<Tray>, key: UploadKey) {
    if let Some(request) = REQUESTS.with(|r| r.borrow_mut().remove(&key)) {
        let _ = request.abort();
    }
    FILES.with(|f| f.borrow_mut().remove(&key));
    tray.update(|t| t.remove(key));
    pump(tray);
}

/// Try a failed upload again.
pub fn retry(tray: RwSignal<Tray>, key: UploadKey) {
    tray.update(|t| t.retry(key));
    pump(tray);
}

/// The message was sent: its files are the server's now.
pub fn sent() {
    FILES.with(|f| f.borrow_mut().clear());
}

fn send(tray: RwSignal<Tray>, key: UploadKey, file: &File) -> Result<(), wasm_bindgen::JsValue> {
    let request = XmlHttpRequest::new()?;
    request.open("POST", UPLOAD_PATH)?;
    let form = FormData::new()?;
    form.append_with_blob_and_filename("file", file, &file.name())?;

    let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
        tray.update(|t| t.progress(key, event.loaded() as u64));
    });
    request.upload()?.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    on_progress.forget();

    let finished = request.clone();
    let on_load = Closure::<dyn FnMut()>::new(move || {
        REQUESTS.with(|r| r.borrow_mut().remove(&key));
        let status = finished.status().unwrap_or(0);
        let text = finished.response_text().ok().flatten().unwrap_or_default();
        if status == 201
            && let Ok(attachment) = serde_json::from_str::<Attachment>(&text)
        {
            tray.update(|t| t.done(key, attachment));
        } else {
            let reason = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("the server answered {status}"));
            // A refusal for size or type will be the same next time; anything else may not.
            let retry = !matches!(status, 400 | 413 | 415 | 422);
            tray.update(|t| t.failed(key, reason, retry));
        }
        pump(tray);
    });
    request.set_onload(Some(on_load.as_ref().unchecked_ref()));
    on_load.forget();

    let on_error = Closure::<dyn FnMut()>::new(move || {
        REQUESTS.with(|r| r.borrow_mut().remove(&key));
        tray.update(|t| t.failed(key, "the connection failed".to_owned(), true));
        pump(tray);
    });
    request.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();

    request.send_with_opt_form_data(Some(&form))?;
    REQUESTS.with(|r| r.borrow_mut().insert(key, request));
    Ok(())
}
