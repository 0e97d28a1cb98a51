//! The marketplace (M1–M5, H4, W1–W2) and learning content (O5).

use connected_apps::marketplace::{PricingFilter, WorkflowActionGroup, WorkflowAppHit};
use connected_apps::{
    AppId, Filters, InstallVerdict, LearningItem, LearningLibrary, LearningSection, Listing, Marketplace,
    Recommendation, SearchHit, SearchQuery, SearchResults, UserId, connect_from_workflow, workflow_actions,
};
use pyo3::prelude::*;

use crate::command::outcome_out;
use crate::convert::{Instant, enums_in, to_py, wrapper};
use crate::engine::PyEngine;
use crate::errors::OrRaise;

wrapper!(
    /// A marketplace listing (M1).
    PyListing(Listing),
    "Listing"
);
wrapper!(
    /// One search result (M2).
    PySearchHit(SearchHit),
    "SearchHit"
);
wrapper!(
    /// A page of search results and how many matched in all (M2, M3).
    PySearchResults(SearchResults),
    "SearchResults"
);
wrapper!(
    /// Whether a user may install an app now, and what stands in the way (I1–I3).
    PyInstallVerdict(InstallVerdict),
    "InstallVerdict"
);
wrapper!(
    /// A marketplace app the account could install now (H4).
    PyRecommendation(Recommendation),
    "Recommendation"
);
wrapper!(
    /// A connected app's actions for workflows, under its name (W1).
    PyWorkflowActionGroup(WorkflowActionGroup),
    "WorkflowActionGroup"
);
wrapper!(
    /// An app found from the workflow editor, with its install verdict (W2).
    PyWorkflowAppHit(WorkflowAppHit),
    "WorkflowAppHit"
);
wrapper!(
    /// A learning resource (O5).
    PyLearningItem(LearningItem),
    "LearningItem"
);
wrapper!(
    /// Learning resources of one topic (O5).
    PyLearningSection(LearningSection),
    "LearningSection"
);

#[pymethods]
impl PyListing {
    #[getter]
    fn app(&self) -> &str {
        self.0.app.as_str()
    }

    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    #[getter]
    fn provider(&self) -> &str {
        &self.0.provider
    }

    #[getter]
    fn tagline(&self) -> &str {
        &self.0.tagline
    }

    #[getter]
    fn total_installs(&self) -> u64 {
        self.0.total_installs
    }

    #[getter]
    fn categories(&self) -> Vec<String> {
        self.0.categories.clone()
    }

    #[getter]
    fn collections(&self) -> Vec<String> {
        self.0.collections.clone()
    }

    #[getter]
    fn features(&self) -> Vec<String> {
        self.0.features.clone()
    }

    #[getter]
    fn languages(&self) -> Vec<String> {
        self.0.languages.clone()
    }

    #[getter]
    fn certified(&self) -> bool {
        self.0.certified
    }

    /// Requirements, resources, privacy, pricing, shared data and workflow actions, as dicts.
    #[getter]
    fn details<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0)
    }
}

#[pymethods]
impl PySearchHit {
    #[getter]
    fn app(&self) -> &str {
        self.0.app.as_str()
    }

    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    #[getter]
    fn score(&self) -> u32 {
        self.0.score
    }

    /// The listing is in the account's language (M4).
    #[getter]
    fn language_match(&self) -> bool {
        self.0.language_match
    }
}

#[pymethods]
impl PySearchResults {
    /// How many listings matched (all pages).
    #[getter]
    fn total(&self) -> usize {
        self.0.total
    }

    #[getter]
    fn hits(&self) -> Vec<PySearchHit> {
        self.0.hits.iter().cloned().map(PySearchHit).collect()
    }

    fn __len__(&self) -> usize {
        self.0.hits.len()
    }
}

#[pymethods]
impl PyInstallVerdict {
    #[getter]
    fn app(&self) -> &str {
        self.0.app.as_str()
    }

    #[getter]
    fn already_connected(&self) -> bool {
        self.0.already_connected
    }

    /// Subscription upgrades the account needs, as dicts (`hub`, `tier`, `from`).
    #[getter]
    fn upgrades<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.upgrades)
    }

    #[getter]
    fn app_requirements(&self) -> Option<&str> {
        self.0.app_requirements.as_deref()
    }

    /// `{"permission": "install"}` or `{"permission": "request", "admins": [...]}`.
    #[getter]
    fn permission<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.permission)
    }

    #[getter]
    fn can_install_now(&self) -> bool {
        self.0.can_install_now
    }
}

#[pymethods]
impl PyRecommendation {
    #[getter]
    fn app(&self) -> &str {
        self.0.app.as_str()
    }

    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    #[getter]
    fn affinity(&self) -> u32 {
        self.0.affinity
    }

    #[getter]
    fn language_match(&self) -> bool {
        self.0.language_match
    }

    #[getter]
    fn total_installs(&self) -> u64 {
        self.0.total_installs
    }
}

#[pymethods]
impl PyWorkflowActionGroup {
    #[getter]
    fn app(&self) -> &str {
        self.0.app.as_str()
    }

    #[getter]
    fn app_name(&self) -> &str {
        &self.0.app_name
    }

    /// The actions, as dicts (`id`, `name`).
    #[getter]
    fn actions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.actions)
    }
}

#[pymethods]
impl PyWorkflowAppHit {
    #[getter]
    fn hit(&self) -> PySearchHit {
        PySearchHit(self.0.hit.clone())
    }

    #[getter]
    fn verdict(&self) -> PyInstallVerdict {
        PyInstallVerdict(self.0.verdict.clone())
    }
}

#[pymethods]
impl PyLearningItem {
    #[getter]
    fn title(&self) -> &str {
        &self.0.title
    }

    #[getter]
    fn link(&self) -> &str {
        &self.0.link
    }

    #[getter]
    fn language(&self) -> &str {
        &self.0.language
    }
}

#[pymethods]
impl PyLearningSection {
    /// The topic's name (`general_best_practice`, `integration_behaviour`, `connection_health`).
    #[getter]
    fn topic<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.topic)
    }

    #[getter]
    fn items(&self) -> Vec<PyLearningItem> {
        self.0.items.iter().cloned().map(PyLearningItem).collect()
    }
}

/// The marketplace's certified listings, searchable (M1–M5).
#[pyclass(frozen, module = "connected_apps", name = "Marketplace")]
pub struct PyMarketplace(pub Marketplace);

#[pymethods]
impl PyMarketplace {
    /// A marketplace of `listings` (`Listing` objects or dicts in the core's shape).
    #[new]
    fn new(listings: &Bound<'_, PyAny>) -> PyResult<Self> {
        let listings = listings.try_iter()?.map(|l| PyListing::from_any(&l?)).collect::<PyResult<Vec<_>>>()?;
        Marketplace::new(listings).or_raise().map(Self)
    }

    /// A marketplace from a JSON array of listings.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: String) -> PyResult<Self> {
        py.detach(|| Marketplace::from_json(&text)).or_raise().map(Self)
    }

    fn listings(&self) -> Vec<PyListing> {
        self.0.listings().iter().cloned().map(PyListing).collect()
    }

    fn listing(&self, app: String) -> Option<PyListing> {
        self.0.listing(&AppId(app)).cloned().map(PyListing)
    }

    fn categories(&self) -> Vec<String> {
        self.0.categories()
    }

    fn collections(&self) -> Vec<String> {
        self.0.collections()
    }

    fn features(&self) -> Vec<String> {
        self.0.features()
    }

    /// Search by business need or app name (M2) with filters (M3); listings in `language` first
    /// when it is one of the marketplace's priority languages (M4).
    #[pyo3(signature = (text = String::new(), *, language = "en".to_owned(), collections = Vec::new(),
                        categories = Vec::new(), pricing = None, features = Vec::new(),
                        offers_workflow_actions = false, offset = 0, limit = 20))]
    #[allow(clippy::too_many_arguments, reason = "mirrors the keyword arguments of the Python signature above")]
    fn search(
        &self,
        text: String,
        language: String,
        collections: Vec<String>,
        categories: Vec<String>,
        pricing: Option<&Bound<'_, PyAny>>,
        features: Vec<String>,
        offers_workflow_actions: bool,
        #[pyo3(from_py_with = crate::convert::int::offset)] offset: usize,
        #[pyo3(from_py_with = crate::convert::int::limit)] limit: usize,
    ) -> PyResult<PySearchResults> {
        let pricing: Vec<PricingFilter> = enums_in(pricing, "pricing filter")?;
        let filters = Filters { collections, categories, pricing, features, offers_workflow_actions };
        let query = SearchQuery { text, filters, offset, limit };
        self.0.search(&query, &language).or_raise().map(PySearchResults)
    }

    /// Whether `user` may install `app` now, and what stands in the way.
    fn install_verdict(
        &self,
        py: Python<'_>,
        engine: PyRef<'_, PyEngine>,
        app: String,
        user: String,
    ) -> PyResult<PyInstallVerdict> {
        let verdict =
            engine.read(py, |e| self.0.install_verdict(e.directory(), e.state(), &AppId(app), &UserId(user)))?;
        verdict.or_raise().map(PyInstallVerdict)
    }

    /// Marketplace apps the account could install now, best first (H4).
    #[pyo3(signature = (engine, limit = 10))]
    fn recommendations(
        &self,
        py: Python<'_>,
        engine: PyRef<'_, PyEngine>,
        #[pyo3(from_py_with = crate::convert::int::limit)] limit: usize,
    ) -> PyResult<Vec<PyRecommendation>> {
        engine.read(py, |e| {
            self.0.recommendations(e.directory(), e.state(), limit).into_iter().map(PyRecommendation).collect()
        })
    }

    /// Apps with workflow actions found from the workflow editor, with install verdicts (W2).
    #[pyo3(signature = (engine, user, text, limit = 20))]
    fn workflow_search(
        &self,
        py: Python<'_>,
        engine: PyRef<'_, PyEngine>,
        user: String,
        text: String,
        #[pyo3(from_py_with = crate::convert::int::limit)] limit: usize,
    ) -> PyResult<Vec<PyWorkflowAppHit>> {
        let hits =
            engine.read(py, |e| self.0.workflow_search(e.directory(), e.state(), &UserId(user), &text, limit))?;
        let hits = hits.or_raise()?;
        Ok(hits.into_iter().map(PyWorkflowAppHit).collect())
    }

    /// Starts connecting `app` from the workflow editor (W2): the install command, I1–I4 apply.
    fn connect_from_workflow<'py>(
        &self,
        py: Python<'py>,
        engine: PyRef<'_, PyEngine>,
        app: String,
        user: String,
        now: Instant,
    ) -> PyResult<Bound<'py, PyAny>> {
        let outcome = engine.write(py, |e| connect_from_workflow(e, &self.0, &AppId(app), &UserId(user), now.0))?;
        let outcome = outcome.or_raise()?;
        outcome_out(py, outcome)
    }

    fn __len__(&self) -> usize {
        self.0.listings().len()
    }

    fn __repr__(&self) -> String {
        format!("Marketplace(listings={})", self.0.listings().len())
    }
}

/// Learning resources the host supplies; the library selects and orders them (O5).
#[pyclass(frozen, module = "connected_apps", name = "LearningLibrary")]
pub struct PyLearningLibrary(LearningLibrary);

#[pymethods]
impl PyLearningLibrary {
    /// A library of `items` (`LearningItem` objects or dicts in the core's shape).
    #[new]
    fn new(items: &Bound<'_, PyAny>) -> PyResult<Self> {
        let items = items.try_iter()?.map(|i| PyLearningItem::from_any(&i?)).collect::<PyResult<Vec<_>>>()?;
        LearningLibrary::new(items).or_raise().map(Self)
    }

    fn items(&self) -> Vec<PyLearningItem> {
        self.0.items().iter().cloned().map(PyLearningItem).collect()
    }

    /// Resources for one app's page: about the app, then its categories, in `language` first.
    #[pyo3(signature = (app, categories, language, limit = 5))]
    fn for_app(
        &self,
        app: String,
        categories: Vec<String>,
        language: String,
        #[pyo3(from_py_with = crate::convert::int::limit)] limit: usize,
    ) -> Vec<PyLearningItem> {
        self.0.for_app(&AppId(app), &categories, &language, limit).into_iter().map(PyLearningItem).collect()
    }

    /// Resources for the insights pages, by topic.
    #[pyo3(signature = (language, limit = 5))]
    fn for_insights(
        &self,
        language: String,
        #[pyo3(from_py_with = crate::convert::int::limit)] limit: usize,
    ) -> Vec<PyLearningSection> {
        self.0.for_insights(&language, limit).into_iter().map(PyLearningSection).collect()
    }
}

#[pymethods]
impl PyEngine {
    /// The actions connected apps offer to workflows, under each app's name (W1).
    fn workflow_actions(&self, py: Python<'_>, now: Instant) -> PyResult<Vec<PyWorkflowActionGroup>> {
        self.read(py, |e| {
            workflow_actions(e.directory(), e.state(), now.0).into_iter().map(PyWorkflowActionGroup).collect()
        })
    }
}
