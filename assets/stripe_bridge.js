/*
 * TS Store <-> Stripe.js bridge. Loaded once per page; Reflex handlers call these functions
 * with rx.call_script and get the (awaited) result back in a callback event.
 * Card data goes from the Card Element straight to Stripe: it never reaches our server.
 * Works with js.stripe.com and with localstripe's fake Stripe.js alike.
 */
(function () {
  const state = { stripe: null, key: null, card: null, loading: null, loadedUrl: null };

  function loadStripe(jsUrl) {
    if (window.Stripe && state.loadedUrl === jsUrl) return Promise.resolve();
    if (state.loading && state.loadedUrl === jsUrl) return state.loading;
    state.loadedUrl = jsUrl;
    state.loading = new Promise(function (resolve, reject) {
      const script = document.createElement("script");
      script.src = jsUrl;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("stripe.js not loaded")); };
      document.head.appendChild(script);
    });
    return state.loading;
  }

  async function waitForElement(id) {
    for (let i = 0; i < 200; i++) {
      const el = document.getElementById(id);
      if (el) return el;
      await new Promise(function (r) { setTimeout(r, 50); });
    }
    throw new Error("missing #" + id);
  }

  async function stripeFor(publishableKey, jsUrl) {
    await loadStripe(jsUrl);
    if (!state.stripe || state.key !== publishableKey) {
      state.stripe = window.Stripe(publishableKey, { locale: "it" });
      state.key = publishableKey;
    }
    return state.stripe;
  }

  function failure(error) {
    const e = error || {};
    return { ok: false, code: e.decline_code || e.code || "", message: e.message || "" };
  }

  window.tsStripeBridge = {
    mountCard: async function (publishableKey, jsUrl, elementId) {
      try {
        const stripe = await stripeFor(publishableKey, jsUrl);
        const el = await waitForElement(elementId);
        if (state.card) { try { state.card.unmount(); } catch (e) { /* already gone */ } }
        el.innerHTML = "";
        state.card = stripe.elements().create("card", { hidePostalCode: true });
        state.card.mount(el);
        return { ok: true };
      } catch (e) {
        return { ok: false, code: "stripe_js_unavailable", message: String(e) };
      }
    },
    confirmSetup: async function (clientSecret) {
      if (!state.stripe || !state.card) return { ok: false, code: "not_ready", message: "" };
      try {
        const result = await state.stripe.confirmCardSetup(clientSecret, {
          payment_method: { card: state.card },
        });
        if (result.error) return failure(result.error);
        return { ok: true, setup_intent_id: result.setupIntent.id, status: result.setupIntent.status };
      } catch (e) {
        return { ok: false, code: "network", message: String(e) };
      }
    },
    confirmPayment: async function (publishableKey, jsUrl, clientSecret, paymentMethodId) {
      try {
        const stripe = await stripeFor(publishableKey, jsUrl);
        const data = paymentMethodId ? { payment_method: paymentMethodId } : undefined;
        const result = await stripe.confirmCardPayment(clientSecret, data);
        if (result.error) return failure(result.error);
        return { ok: true, payment_intent_id: result.paymentIntent.id, status: result.paymentIntent.status };
      } catch (e) {
        return { ok: false, code: "network", message: String(e) };
      }
    },
  };
})();
