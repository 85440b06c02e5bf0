<#
.SYNOPSIS
  Build the OSS Chat Windows installer: CPU or CUDA variant.

.DESCRIPTION
  From a fresh checkout, in PowerShell, with Python 3.11 (python.org, 64-bit, with the py
  launcher), Visual Studio 2022 Build Tools ("Desktop development with C++", which includes
  CMake), Inno Setup 6, and for -Variant cuda the CUDA Toolkit 12.x:

    powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 -Variant cpu

  1. creates .venv-<variant> and installs OSS Chat with its dev tools;
  2. compiles llama-cpp-python for the variant (CMAKE_ARGS, no cached wheel);
  3. runs PyInstaller (dist\oss-chat\) and the bundle's --self-test;
  4. runs Inno Setup: dist\oss-chat-VERSION-windows-x64-<variant>-setup.exe.
#>
param(
  [ValidateSet("cpu", "cuda")] [string] $Variant = "cpu",
  [string] $PythonVersion = "3.11",
  [string] $CudaArchitectures = "75-real;80-real;86-real;89-real;90-virtual",
  [string] $Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe"
)
$ErrorActionPreference = "Stop"
Set-Location (Resolve-Path "$PSScriptRoot\..\..")

function Run([string] $Exe, [string[]] $Arguments) {
  & $Exe @Arguments
  if ($LASTEXITCODE -ne 0) { throw "$Exe $Arguments failed with exit code $LASTEXITCODE" }
}

$venv = ".venv-$Variant"
if (-not (Test-Path "$venv\Scripts\python.exe")) {
  Run "py" @("-$PythonVersion", "-m", "venv", $venv)
}
$py = "$venv\Scripts\python.exe"
Run $py @("-m", "pip", "install", "--upgrade", "pip")

# Portable CPU code (no -march=native): the installer runs on other people's machines.
$cmake = "-DGGML_NATIVE=off"
if ($Variant -eq "cuda") {
  if (-not $env:CUDA_PATH) { throw "CUDA_PATH is not set: install the CUDA Toolkit 12.x" }
  # GPU code for Turing (RTX 20) to Ada (RTX 40), plus PTX that newer GPUs compile at first run.
  $cmake += " -DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=$CudaArchitectures"
  # PyInstaller finds the CUDA runtime DLLs that ggml-cuda.dll loads (cudart, cublas,
  # cublasLt) on PATH and copies them into the bundle; bundle_config.check_bundle fails the
  # build if they are missing.
  $env:PATH = "$env:CUDA_PATH\bin;$env:CUDA_PATH\bin\x64;$env:PATH"
}
$env:CMAKE_ARGS = $cmake
# Compiled now, for this variant: never a wheel cached from another CMAKE_ARGS.
Run $py @("-m", "pip", "install", "--force-reinstall", "--no-cache-dir",
          "llama-cpp-python>=0.3.16,<0.4")
Run $py @("-m", "pip", "install", "-e", ".[dev]")

Run $py @("-m", "PyInstaller", "--noconfirm", "--clean", "--distpath", "dist",
          "--workpath", "build\pyinstaller", "packaging\oss-chat.spec")

Run $py @("packaging\selftest_model.py", "build\selftest\model.gguf")
Run "dist\oss-chat\oss-chat.exe" @("--data-dir", "build\selftest\data", "--self-test",
                                   "--model", "build\selftest\model.gguf")

$version = & $py -c "import app; print(app.__version__)"
Run $Iscc @("/DAppVersion=$version", "/DVariant=$Variant", "packaging\windows\oss-chat.iss")
Write-Host "built dist\oss-chat-$version-windows-x64-$Variant-setup.exe"
