'use strict';
(function () {
  var MAX_SIDE = 2048;
  var QUALITY = 0.85;

  function say(id, text) {
    var el = document.getElementById(id);
    if (el) { el.textContent = text; }
  }

  function api(method, path, body, isForm) {
    var init = {
      method: method, credentials: 'same-origin', headers: { accept: 'application/json' }
    };
    if (body !== undefined) {
      if (isForm) { init.body = body; } else {
        init.body = JSON.stringify(body);
        init.headers['content-type'] = 'application/json';
      }
    }
    return fetch(path, init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!response.ok) {
          throw new Error(data && data.error ? data.error.message
            : 'The request failed (' + response.status + ').');
        }
        return data;
      });
    });
  }

  // ------------------------------------------------------------ reordering
  // "Up" only where there is a link above, "Down" only where there is one below.
  function refreshMoves(list) {
    var items = list.querySelectorAll('li[data-link-id]');
    Array.prototype.forEach.call(items, function (li, i) {
      var up = li.querySelector('form[data-move="up"]');
      var down = li.querySelector('form[data-move="down"]');
      if (up) { up.hidden = i === 0; }
      if (down) { down.hidden = i === items.length - 1; }
    });
  }

  function setupReorder() {
    var list = document.getElementById('links');
    if (!list) { return; }
    var profileId = list.getAttribute('data-profile-id');
    list.addEventListener('submit', function (event) {
      var form = event.target;
      var direction = form.getAttribute('data-move');
      if (!direction) { return; }
      event.preventDefault();
      var item = form.closest('li');
      var sibling = direction === 'up' ? item.previousElementSibling : item.nextElementSibling;
      if (!sibling || !sibling.hasAttribute('data-link-id')) { return; }
      var swap = function (first, second) { list.insertBefore(first, second); };
      if (direction === 'up') { swap(item, sibling); } else { swap(sibling, item); }
      var ids = Array.prototype.map.call(list.querySelectorAll('li[data-link-id]'), function (li) {
        return li.getAttribute('data-link-id');
      });
      var button = form.querySelector('button');
      say('links-status', 'Saving the order…');
      var path = '/api/profiles/' + profileId + '/links/order';
      api('PUT', path, { link_ids: ids }).then(function () {
        refreshMoves(list);
        say('links-status', 'Order saved.');
        if (button && !form.hidden) { button.focus(); } else {
          var other = form.parentNode.querySelector('form[data-move]:not([hidden]) button');
          if (other) { other.focus(); }
        }
      }, function (error) {
        if (direction === 'up') { swap(sibling, item); } else { swap(item, sibling); }
        say('links-status', error.message);
      });
    });
  }

  // ------------------------------------------------------ image compression
  function encode(canvas, type) {
    return new Promise(function (resolve) {
      if (canvas.toBlob) {
        canvas.toBlob(function (blob) { resolve(blob); }, type, QUALITY);
        return;
      }
      var url = canvas.toDataURL(type, QUALITY);
      var comma = url.indexOf(',');
      var mime = url.slice(5, url.indexOf(';'));
      var bytes = atob(url.slice(comma + 1));
      var buffer = new Uint8Array(bytes.length);
      for (var i = 0; i < bytes.length; i++) { buffer[i] = bytes.charCodeAt(i); }
      resolve(new Blob([buffer], { type: mime }));
    });
  }

  function draw(bitmap, width, height, opaque) {
    var canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    var context = canvas.getContext('2d');
    if (opaque) {  // JPEG has no transparency: put the image on white
      context.fillStyle = '#ffffff';
      context.fillRect(0, 0, width, height);
    }
    context.drawImage(bitmap, 0, 0, width, height);
    return canvas;
  }

  // The image at most MAX_SIDE on its longer side, as WebP; JPEG when the
  // browser cannot encode WebP (its canvas then gives PNG, or nothing).
  // Where the browser cannot decode the file, it is sent as it is.
  function compress(file) {
    if (!window.createImageBitmap) { return Promise.resolve(file); }
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var width = Math.max(1, Math.round(bitmap.width * scale));
      var height = Math.max(1, Math.round(bitmap.height * scale));
      return encode(draw(bitmap, width, height, false), 'image/webp').then(function (blob) {
        if (blob && blob.type === 'image/webp') { return blob; }
        return encode(draw(bitmap, width, height, true), 'image/jpeg');
      }).then(function (blob) {
        if (bitmap.close) { bitmap.close(); }
        if (!blob || (blob.type !== 'image/webp' && blob.type !== 'image/jpeg')) { return file; }
        if (blob.size >= file.size && scale === 1) { return file; }
        var name = 'avatar.' + (blob.type === 'image/webp' ? 'webp' : 'jpg');
        return new File([blob], name, { type: blob.type });
      });
    }, function () { return file; });
  }

  function setupAvatar() {
    var box = document.getElementById('avatar');
    var input = document.getElementById('avatar-file');
    var button = document.getElementById('avatar-upload');
    if (!box || !input || !button) { return; }
    var profileId = box.getAttribute('data-profile-id');
    input.disabled = false;
    button.disabled = false;
    button.addEventListener('click', function () {
      var file = input.files && input.files[0];
      if (!file) { say('avatar-status', 'Choose an image first.'); return; }
      button.disabled = true;
      say('avatar-status', 'Making the image smaller…');
      compress(file).then(function (small) {
        say('avatar-status', 'Uploading ' + Math.round(small.size / 1024) + ' KB…');
        var form = new FormData();
        form.append('file', small, small.name);
        form.append('purpose', 'avatar');
        form.append('profile_id', profileId);
        form.append('original_size', String(file.size));
        return api('POST', '/api/assets', form, true);
      }).then(function (asset) {
        return api('PATCH', '/api/profiles/' + profileId, { avatar_asset_id: asset.id });
      }).then(function (profile) {
        var image = document.getElementById('avatar-image');
        if (image && profile.avatar_url) {
          image.src = profile.avatar_url;
          image.hidden = false;
        }
        say('avatar-status', 'Avatar saved.');
      }, function (error) {
        say('avatar-status', error.message);
      }).then(function () { button.disabled = false; });
    });
  }

  setupReorder();
  setupAvatar();
})();
