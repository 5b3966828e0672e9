import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "@fontsource-variable/inter/wght.css";
import "./styles.css";
import { ApiClient } from "./api/client";
import { App, makeQueryClient } from "./App";

const client = new ApiClient();
const queries = makeQueryClient();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App client={client} queries={queries} />
  </StrictMode>,
);
